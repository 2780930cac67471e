module github.com/trawl-dev/trawl/services/parser

go 1.26.0

replace github.com/trawl-dev/trawl/schemas => ../../schemas

require (
	github.com/PuerkitoBio/goquery v1.13.0
	github.com/trawl-dev/trawl/schemas v0.0.0-00010101000000-000000000000
)

require (
	github.com/andybalholm/cascadia v1.3.4 // indirect
	golang.org/x/net v0.58.0 // indirect
)
