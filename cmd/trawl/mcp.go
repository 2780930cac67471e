package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/trawl-dev/trawl/kit/app"
	"github.com/trawl-dev/trawl/kit/config"
	"github.com/trawl-dev/trawl/services/ingress/dialect"
	"github.com/trawl-dev/trawl/services/ingress/mcp"
)

// runMCP serves trawl's MCP tools on stdin and stdout for an agent that starts it, each tool
// call a native request to the running trawl at --url with the key of TRAWL_API_KEY (or
// --api-key-file): a key is never a flag, where ps would show it.
func runMCP(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("trawl mcp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://127.0.0.1:8080", "the running trawl's HTTP address")
	keyFile := fs.String("api-key-file", "", "file holding the API key (else TRAWL_API_KEY; none under open access)")
	fs.Usage = config.Usage(fs, "trawl mcp: trawl's MCP tools (search, scrape, get_search) over stdio, asking a running trawl")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	key := os.Getenv("TRAWL_API_KEY")
	if *keyFile != "" {
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return &app.ConfigError{Err: fmt.Errorf("--api-key-file: %w", err)}
		}
		key = strings.TrimSpace(string(b))
	}
	if !strings.HasPrefix(*url, "http://") && !strings.HasPrefix(*url, "https://") {
		return &app.ConfigError{Err: fmt.Errorf("--url %q: want http:// or https://", *url)}
	}
	s := mcp.NewServer(&mcp.Remote{URL: *url, Key: key}, dialect.Options{})
	return s.Run(ctx, &sdk.IOTransport{Reader: io.NopCloser(stdin), Writer: nopWriteCloser{stdout}})
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
