# The two commands a newcomer needs are `make demo` and `make test`; the rest are measurements.
.PHONY: demo test build bench reliability

# The build stamps the version and commit (trawl --version, /healthz) when this is a git clone.
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT  := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X github.com/trawl-dev/trawl/kit/version.Version=$(VERSION) -X github.com/trawl-dev/trawl/kit/version.Commit=$(COMMIT)

demo:
	@echo "building bin/trawl (the first build compiles every dependency: a few minutes on a small machine)"
	@mkdir -p bin
	go build -v -ldflags "$(LDFLAGS)" -o bin/trawl ./cmd/trawl
	bin/trawl demo

test:
	scripts/test

build:
	mkdir -p bin
	go build -ldflags "$(LDFLAGS)" -o bin/ ./cmd/trawl ./services/ingress/cmd/trawl-ingress ./services/cache/cmd/trawl-cache ./services/fetcher/cmd/trawl-fetcher ./services/parser/cmd/trawl-parser

# Measurements (see README, Performance and Reliability).
bench:
	scripts/bench

reliability:
	go run ./cmd/trawl reliability
