// Command scrapehandler is the scrape miss path's reference: the plain Go way to turn a page
// into markdown, a fasthttp handler that on GET /?url=… fetches the page with net/http, parses
// it with x/net/html, finds its main content with go-readability and renders it with
// html-to-markdown (the libraries trawl's converter uses, at their defaults), and answers
// {"markdown": …}: no cache, no queue, no target checks, no charset or content-type handling.
// trawl's scrape miss path is measured as a ratio of it.
//
// It parses the page itself and hands readability the tree (FromDocument): FromReader would
// also guess the charset from the bytes (gogs/chardet's n-gram recognisers), which is more
// than half of its time on the sim's article page and work trawl does not do, so the floor
// would be slower than a plain handler needs to be.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"net/url"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
	htmltomarkdown "github.com/JohannesKaufmann/html-to-markdown/v2"
	"github.com/valyala/fasthttp"
	"golang.org/x/net/html"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8093", "listen address")
	flag.Parse()
	// The default transport keeps 2 idle connections per host: under load every other fetch
	// would dial anew. The rest is net/http's default (gzip asked and decoded for us).
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 1024
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	log.Fatal(fasthttp.ListenAndServe(*addr, func(c *fasthttp.RequestCtx) {
		page, err := url.Parse(string(c.QueryArgs().Peek("url")))
		if err != nil || !page.IsAbs() {
			c.Error("want ?url=http://…", fasthttp.StatusBadRequest)
			return
		}
		resp, err := client.Get(page.String())
		if err != nil {
			c.Error("fetch failed", fasthttp.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			c.Error("upstream answered "+resp.Status, fasthttp.StatusBadGateway)
			return
		}
		doc, err := html.Parse(resp.Body)
		if err != nil {
			c.Error("unparsable page", fasthttp.StatusBadGateway)
			return
		}
		article, err := readability.FromDocument(doc, resp.Request.URL)
		if err != nil || article.Node == nil {
			c.Error("no readable content", fasthttp.StatusUnprocessableEntity)
			return
		}
		md, err := htmltomarkdown.ConvertNode(article.Node)
		if err != nil {
			c.Error("markdown failed", fasthttp.StatusInternalServerError)
			return
		}
		body, _ := json.Marshal(map[string]string{"markdown": string(md)})
		c.SetContentType("application/json")
		c.SetBody(body)
	}))
}
