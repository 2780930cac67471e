module github.com/trawl-dev/trawl/cmd/trawl

go 1.26.0

require (
	github.com/modelcontextprotocol/go-sdk v1.8.0
	github.com/nats-io/nats-server/v2 v2.15.2
	github.com/nats-io/nats.go v1.55.0
	github.com/prometheus/client_golang v1.25.0
	github.com/trawl-dev/trawl/engines v0.0.0-00010101000000-000000000000
	github.com/trawl-dev/trawl/kit v0.0.0-00010101000000-000000000000
	github.com/trawl-dev/trawl/schemas v0.0.0-00010101000000-000000000000
	github.com/trawl-dev/trawl/services/cache v0.0.0-00010101000000-000000000000
	github.com/trawl-dev/trawl/services/fetcher v0.0.0-00010101000000-000000000000
	github.com/trawl-dev/trawl/services/ingress v0.0.0-00010101000000-000000000000
	github.com/trawl-dev/trawl/services/parser v0.0.0-00010101000000-000000000000
	github.com/trawl-dev/trawl/sim v0.0.0-00010101000000-000000000000
	github.com/trawl-dev/trawl/testkit v0.0.0-00010101000000-000000000000
)

require github.com/andybalholm/brotli v1.3.0 // indirect

require (
	code.dny.dev/ssrf v0.3.0 // indirect
	codeberg.org/readeck/go-readability/v2 v2.1.3 // indirect
	github.com/JohannesKaufmann/dom v0.3.1 // indirect
	github.com/JohannesKaufmann/html-to-markdown/v2 v2.5.2 // indirect
	github.com/go-shiori/dom v0.0.0-20230515143342-73569d674e1c // indirect
	github.com/gogs/chardet v0.0.0-20211120154057-b7413eaefb8f // indirect
	github.com/google/jsonschema-go v0.4.3 // indirect
	github.com/itlightning/dateparse v0.2.1 // indirect
	github.com/segmentio/asm v1.1.3 // indirect
	github.com/segmentio/encoding v0.5.4 // indirect
	github.com/trawl-dev/trawl/scrape v0.0.0-00010101000000-000000000000 // indirect
	github.com/yosida95/uritemplate/v3 v3.0.2 // indirect
	golang.org/x/oauth2 v0.37.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
)

require (
	github.com/HdrHistogram/hdrhistogram-go v1.4.0
	github.com/PuerkitoBio/goquery v1.14.0 // indirect
	github.com/andybalholm/cascadia v1.3.5 // indirect
	github.com/antithesishq/antithesis-sdk-go v0.8.0-default-no-op // indirect
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cenkalti/backoff/v5 v5.0.3 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/go-redis/redis_rate/v10 v10.0.1 // indirect
	github.com/google/go-tpm v0.9.8 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/maypok86/otter/v2 v2.4.0 // indirect
	github.com/minio/highwayhash v1.0.4 // indirect
	github.com/molecule-man/go-brrr v1.3.1 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/nats-io/jwt/v2 v2.8.2 // indirect
	github.com/nats-io/nkeys v0.4.16 // indirect
	github.com/nats-io/nuid v1.0.1
	github.com/oklog/run v1.2.0 // indirect
	github.com/prometheus/client_model v0.6.3
	github.com/prometheus/common v0.72.0 // indirect
	github.com/prometheus/procfs v0.22.0 // indirect
	github.com/redis/go-redis/v9 v9.23.0 // indirect
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3 // indirect
	github.com/sony/gobreaker/v2 v2.4.0 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	github.com/valyala/fasthttp v1.77.0
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.44.0 // indirect
	golang.org/x/time v0.16.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

replace (
	github.com/trawl-dev/trawl/engines => ../../engines
	github.com/trawl-dev/trawl/kit => ../../kit
	github.com/trawl-dev/trawl/schemas => ../../schemas
	github.com/trawl-dev/trawl/scrape => ../../scrape
	github.com/trawl-dev/trawl/services/cache => ../../services/cache
	github.com/trawl-dev/trawl/services/fetcher => ../../services/fetcher
	github.com/trawl-dev/trawl/services/ingress => ../../services/ingress
	github.com/trawl-dev/trawl/services/parser => ../../services/parser
	github.com/trawl-dev/trawl/sim => ../../sim
	github.com/trawl-dev/trawl/testkit => ../../testkit
)
