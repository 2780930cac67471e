module github.com/trawl-dev/trawl/sim

go 1.26.0

require (
	github.com/andybalholm/brotli v1.2.3
	github.com/klauspost/compress v1.20.0
	github.com/trawl-dev/trawl/engines v0.0.0-00010101000000-000000000000
	github.com/trawl-dev/trawl/schemas v0.0.0-00010101000000-000000000000
	golang.org/x/text v0.43.0
)

require (
	github.com/PuerkitoBio/goquery v1.14.0 // indirect
	github.com/andybalholm/cascadia v1.3.5 // indirect
	github.com/nats-io/nats.go v1.55.0 // indirect
	github.com/nats-io/nkeys v0.4.16 // indirect
	github.com/nats-io/nuid v1.0.1 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace (
	github.com/trawl-dev/trawl/engines => ../engines
	github.com/trawl-dev/trawl/schemas => ../schemas
)
