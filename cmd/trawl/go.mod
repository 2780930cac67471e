module github.com/trawl-dev/trawl/cmd/trawl

go 1.26.0
