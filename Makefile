# The two commands a newcomer needs are `make demo` and `make test`; the rest are measurements.
.PHONY: demo test build bench reliability

demo:
	go run ./cmd/trawl demo

test:
	scripts/test

build:
	mkdir -p bin
	go build -o bin/trawl ./cmd/trawl
	go build -o bin/trawl-ingress ./services/ingress/cmd/trawl-ingress
	go build -o bin/trawl-cache ./services/cache/cmd/trawl-cache
	go build -o bin/trawl-fetcher ./services/fetcher/cmd/trawl-fetcher
	go build -o bin/trawl-parser ./services/parser/cmd/trawl-parser

# Measurements (see README, Performance and Reliability).
bench:
	scripts/bench

reliability:
	go run ./cmd/trawl reliability
