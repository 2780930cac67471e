module github.com/trawl-dev/trawl/services/cache

go 1.26.0
