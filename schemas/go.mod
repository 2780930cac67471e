module github.com/trawl-dev/trawl/schemas

go 1.26.0
