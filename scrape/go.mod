module github.com/trawl-dev/trawl/scrape

go 1.26.0

replace (
	github.com/trawl-dev/trawl/engines => ../engines
	github.com/trawl-dev/trawl/schemas => ../schemas
	github.com/trawl-dev/trawl/sim => ../sim
)

require (
	codeberg.org/readeck/go-readability/v2 v2.1.3
	github.com/JohannesKaufmann/html-to-markdown/v2 v2.5.2
	github.com/andybalholm/cascadia v1.3.5
	github.com/trawl-dev/trawl/schemas v0.0.0-00010101000000-000000000000
	github.com/trawl-dev/trawl/sim v0.0.0-00010101000000-000000000000
	golang.org/x/net v0.62.0
	golang.org/x/text v0.44.0
)

require (
	github.com/JohannesKaufmann/dom v0.3.1 // indirect
	github.com/andybalholm/brotli v1.2.3 // indirect
	github.com/go-shiori/dom v0.0.0-20230515143342-73569d674e1c // indirect
	github.com/gogs/chardet v0.0.0-20211120154057-b7413eaefb8f // indirect
	github.com/itlightning/dateparse v0.2.1 // indirect
	github.com/klauspost/compress v1.20.0 // indirect
	github.com/nats-io/nats.go v1.55.0 // indirect
	github.com/nats-io/nkeys v0.4.16 // indirect
	github.com/nats-io/nuid v1.0.1 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
