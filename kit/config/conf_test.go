package config

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"
)

func testFlags(out *bytes.Buffer) *flag.FlagSet {
	fs := flag.NewFlagSet("trawl serve", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.String("nats-url", "", "")
	fs.String("http-addr", ":8080", "")
	fs.Duration("cache-ttl", time.Hour, "")
	fs.Bool("pprof", false, "")
	fs.Usage = Usage(fs, "trawl serve")
	return fs
}

// A mistake is one line naming the flag and the closest one, never the whole usage.
func TestParseErrorsAreOneLine(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--nats-ur", "x"}, []string{"unknown flag --nats-ur", "did you mean --nats-url?", "trawl serve -h"}},
		{[]string{"-http-adr=:1"}, []string{"unknown flag --http-adr", "--http-addr?"}},
		{[]string{"--cache"}, []string{"--cache-ttl?"}},
		{[]string{"--zzzzzzzz"}, []string{"unknown flag --zzzzzzzz (run 'trawl serve -h'"}},
		{[]string{"--cache-ttl", "soon"}, []string{`invalid value "soon" for flag --cache-ttl`}},
		{[]string{"--http-addr"}, []string{"flag --http-addr needs a value"}},
	} {
		var out bytes.Buffer
		err := Parse(testFlags(&out), c.args)
		if err == nil {
			t.Fatalf("%v: no error", c.args)
		}
		msg := err.Error()
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%v: %q lacks %q", c.args, msg, w)
			}
		}
		if strings.Contains(msg, "\n") || out.Len() != 0 {
			t.Errorf("%v: want one line and nothing printed, got %q and output %q", c.args, msg, out.String())
		}
		if c.want[0] == "unknown flag --zzzzzzzz (run 'trawl serve -h'" && strings.Contains(msg, "did you mean") {
			t.Errorf("suggested a flag for a word close to none: %q", msg)
		}
	}
}

func TestParseHelpPrintsUsage(t *testing.T) {
	var out bytes.Buffer
	if err := Parse(testFlags(&out), []string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err %v, want ErrHelp", err)
	}
	if !strings.Contains(out.String(), "--nats-url, TRAWL_NATS_URL") {
		t.Errorf("usage not printed: %q", out.String())
	}
}

func TestParseEnvTwin(t *testing.T) {
	t.Setenv("TRAWL_HTTP_ADDR", ":9999")
	t.Setenv("TRAWL_CACHE_TTL", "later")
	var out bytes.Buffer
	fs := testFlags(&out)
	err := Parse(fs, []string{"--cache-ttl", "1m"}) // the flag wins over a bad variable
	if err != nil {
		t.Fatal(err)
	}
	if got := fs.Lookup("http-addr").Value.String(); got != ":9999" {
		t.Errorf("http-addr %q, want the variable's :9999", got)
	}
	if err := Parse(testFlags(&out), nil); err == nil || !strings.Contains(err.Error(), "TRAWL_CACHE_TTL") {
		t.Errorf("bad variable: %v", err)
	}
}
