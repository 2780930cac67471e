// Command plainhandler is the miss path's reference: the plain Go way to serve search results,
// a fasthttp handler that fetches the engine page and parses it with goquery on every request,
// with no cache, no queue and no checks. trawl's miss path is measured as a ratio of it.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/valyala/fasthttp"
)

type result struct{ Title, Link, Snippet string }

func main() {
	addr := flag.String("addr", "127.0.0.1:8092", "listen address")
	upstream := flag.String("upstream", "http://127.0.0.1:9300", "engine base URL (trawl sim)")
	flag.Parse()
	u, _ := url.Parse(*upstream)
	client := &fasthttp.HostClient{Addr: u.Host, MaxConns: 1024}
	log.Fatal(fasthttp.ListenAndServe(*addr, func(c *fasthttp.RequestCtx) {
		status, page, err := client.Get(nil, *upstream+"/html/?q="+url.QueryEscape(string(c.QueryArgs().Peek("q"))))
		doc, perr := goquery.NewDocumentFromReader(strings.NewReader(string(page)))
		if err != nil || perr != nil || status != 200 {
			c.Error("upstream failed", fasthttp.StatusBadGateway)
			return
		}
		var rs []result
		doc.Find(".result:not(.result--ad)").Each(func(_ int, s *goquery.Selection) {
			a := s.Find(".result__a")
			rs = append(rs, result{a.Text(), a.AttrOr("href", ""), s.Find(".result__snippet").Text()})
		})
		body, _ := json.Marshal(map[string]any{"organic_results": rs})
		c.SetContentType("application/json")
		c.SetBody(body)
	}))
}
