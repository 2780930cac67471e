package scrape_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
	"github.com/trawl-dev/trawl/scrape"
)

func extractReq(fields map[string]schemas.ExtractField) *schemas.ScrapeRequest {
	r := &schemas.ScrapeRequest{URL: "http://sim.test/", Formats: []string{"links"}, Extract: fields}
	r.Normalize()
	return r
}

// TestExtractWeather is the brief's example: temperature as a number (a Unicode minus and a
// unit), conditions as a string, the forecast as a list.
func TestExtractWeather(t *testing.T) {
	srv := startSim(t)
	p, _ := fetchPage(t, srv, "/pages/weather")
	out := convert(t, p, extractReq(map[string]schemas.ExtractField{
		"temperature": {Selector: ".current .temp", Type: "number", Required: true},
		"feels_like":  {Selector: ".feels", Type: "number"},
		"conditions":  {Selector: ".conditions"},
		"forecast":    {Selector: "ul.days li", Type: "list"},
		"humidity":    {Selector: "dd.humidity", Type: "integer"},
		"pressure":    {Selector: "dd.pressure", Type: "integer"},
		"warning":     {Selector: ".alert a", Attr: "href"},
		"level":       {Selector: ".alert", Attr: "data-level"},
		"city":        {Selector: "section.current", Attr: "data-city"},
	}))
	want := map[string]any{
		"temperature": -3.0,
		"feels_like":  -9.0,
		"conditions":  "Light snow showers",
		"forecast": []string{
			"Wed −2°/−6° Snow showers", "Thu −4°/−9° Clear", "Fri −1°/−5° Cloudy", "Sat 1°/−3° Sleet", "Sun 0°/−4° Snow",
		},
		"humidity": int64(87),
		"pressure": int64(1004),
		"warning":  "http://sim.test/warnings/troms-ice",
		"level":    "yellow",
		"city":     "Tromsø",
	}
	if !reflect.DeepEqual(out.Extract, want) {
		t.Errorf("extract\n got %#v\nwant %#v", out.Extract, want)
	}
	if out.ExtractErrors != nil {
		t.Errorf("errors %+v", out.ExtractErrors)
	}
	b, _ := json.Marshal(out.Extract)
	if !strings.Contains(string(b), `"temperature":-3`) || !strings.Contains(string(b), `"humidity":87`) {
		t.Errorf("JSON %s", b)
	}
}

func TestExtractProduct(t *testing.T) {
	srv := startSim(t)
	p, _ := fetchPage(t, srv, "/pages/product")
	out := convert(t, p, extractReq(map[string]schemas.ExtractField{
		"price":        {Selector: ".price-block .price", Type: "number", Required: true},
		"price_int":    {Selector: ".price-block .price", Type: "integer"},
		"was":          {Selector: ".price-was", Type: "number"},
		"in_stock":     {Selector: ".stock", Attr: "data-in-stock", Type: "boolean"},
		"in_stock_txt": {Selector: ".stock", Type: "boolean"},
		"availability": {Selector: "link[itemprop=availability]", Attr: "href", Type: "boolean"},
		"rating":       {Selector: ".rating-value", Type: "number"},
		"reviews":      {Selector: ".review-count", Type: "integer"},
		"images":       {Selector: ".gallery img", Attr: "src", Type: "list"},
		"og_price":     {Selector: `meta[property="product:price:amount"]`, Attr: "content", Type: "number"},
		"title":        {Selector: "h1.product-title"},
	}))
	want := map[string]any{
		"price": 1299.0, "price_int": int64(1299), "was": 1499.0,
		"in_stock": true, "in_stock_txt": true, "availability": true,
		"rating": 4.6, "reviews": int64(1024),
		"images":   []string{"http://sim.test/media/aurora-14/front.jpg", "http://sim.test/media/aurora-14/side.jpg"},
		"og_price": 1299.0,
		"title":    "Aurora 14 Laptop",
	}
	if !reflect.DeepEqual(out.Extract, want) {
		t.Errorf("extract\n got %#v\nwant %#v", out.Extract, want)
	}
	if out.ExtractErrors != nil {
		t.Errorf("errors %+v", out.ExtractErrors)
	}
}

func TestExtractErrors(t *testing.T) {
	page := scrape.Page{URL: "https://shop.example/item", ContentType: "text/html", Body: []byte(`
		<h1>Widget</h1><p class="price">call us</p><p class="stock">maybe</p><p class="n">4.5</p>
		<a>no href</a><a href="/manual.pdf">Manual</a><ul class="tags"></ul>`)}
	out := convert(t, page, extractReq(map[string]schemas.ExtractField{
		"missing":     {Selector: ".nope", Required: true},
		"optional":    {Selector: ".nope"},
		"price":       {Selector: ".price", Type: "number"},
		"stock":       {Selector: ".stock", Type: "boolean"},
		"whole":       {Selector: ".n", Type: "integer"},
		"bad":         {Selector: "p[[", Required: true},
		"costly":      {Selector: "div:has(p:contains(x))"},
		"manual":      {Selector: "a", Attr: "href"},
		"no_attr":     {Selector: "h1", Attr: "title", Required: true},
		"tags":        {Selector: ".tags li", Type: "list", Required: true},
		"empty_list":  {Selector: ".tags li", Type: "list"},
		"upper_case":  {Selector: "A", Attr: "HREF"},
		"title":       {Selector: "h1"},
		"title_again": {Selector: "  h1  "},
	}))
	wantValues := map[string]any{
		"manual": "https://shop.example/manual.pdf", "upper_case": "https://shop.example/manual.pdf",
		"tags": []string{}, "empty_list": []string{}, "title": "Widget", "title_again": "Widget",
	}
	if !reflect.DeepEqual(out.Extract, wantValues) {
		t.Errorf("values\n got %#v\nwant %#v", out.Extract, wantValues)
	}
	wantErrs := map[string]string{
		"extract.bad":     `invalid CSS selector "p[["`,
		"extract.costly":  "too costly",
		"extract.missing": "selector matched nothing",
		"extract.no_attr": `selector matched nothing with attribute "title"`,
		"extract.price":   `cannot read "call us" as a number: no digits`,
		"extract.stock":   `cannot read "maybe" as a boolean`,
		"extract.tags":    "selector matched nothing",
		"extract.whole":   "4.5 is not a whole number",
	}
	if len(out.ExtractErrors) != len(wantErrs) {
		t.Errorf("errors %+v", out.ExtractErrors)
	}
	var fields []string
	for _, e := range out.ExtractErrors {
		fields = append(fields, e.Field)
		if want, ok := wantErrs[e.Field]; !ok || !strings.Contains(e.Message, want) {
			t.Errorf("%s: %q, want it to contain %q", e.Field, e.Message, want)
		}
	}
	if strings.Join(fields, ",") != "extract.bad,extract.costly,extract.missing,extract.no_attr,extract.price,extract.stock,extract.tags,extract.whole" {
		t.Errorf("errors not in field order: %v", fields)
	}
}
