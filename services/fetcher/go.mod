module github.com/trawl-dev/trawl/services/fetcher

go 1.26.0
