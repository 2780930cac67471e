module github.com/trawl-dev/trawl/services/ingress

go 1.26.0
