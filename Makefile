# The two commands a newcomer needs are `make demo` and `make test`; the rest are measurements.
.PHONY: demo test build install bench reliability

# The build stamps the version and commit (trawl --version, /healthz) when this is a git clone.
# A tagged commit is its tag; any other is named as Go names an untagged commit (v0.0.0-<UTC time>-<12 hex>).
VERSION := $(shell git rev-parse -q HEAD >/dev/null 2>&1 || { echo devel; exit; }; \
	v=$$(git describe --tags --exact-match 2>/dev/null) || v=$$(TZ=UTC git show -s --format=v0.0.0-%cd-%H --date=format-local:%Y%m%d%H%M%S HEAD | cut -c1-34); \
	git diff --quiet HEAD 2>/dev/null || v=$$v+dirty; echo $$v)
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

# install puts trawl in $(go env GOBIN), or $(go env GOPATH)/bin, with the version stamped (go install
# alone stamps it from git too, unless GOFLAGS has -buildvcs=false).
install:
	go install -ldflags "$(LDFLAGS)" ./cmd/trawl
	@echo "installed $$(go env GOBIN || true)$$( [ -n "$$(go env GOBIN)" ] || echo "$$(go env GOPATH)/bin")/trawl; if 'trawl' is not found, run: export PATH=\"\$$(go env GOPATH)/bin:\$$PATH\""

# Measurements (see README, Performance and Reliability).
bench:
	scripts/bench

reliability:
	go run ./cmd/trawl reliability
