module github.com/trawl-dev/trawl/testkit

go 1.26.0
