module github.com/trawl-dev/trawl/sim

go 1.26.0
