package scrape

import (
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/strikethrough"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"
	"golang.org/x/net/html"
)

// The converter holds only its registered plugins; each conversion keeps its own state, so one
// serves every goroutine.
var mdConverter = sync.OnceValue(func() *converter.Converter {
	return converter.NewConverter(converter.WithPlugins(
		base.NewBasePlugin(),
		commonmark.NewCommonmarkPlugin(
			commonmark.WithHeadingStyle(commonmark.HeadingStyleATX),
			commonmark.WithBulletListMarker("-"),
			commonmark.WithCodeBlockFence("```"),
			// An <a id=…> target or an icon-only link says nothing in markdown.
			commonmark.WithLinkEmptyHrefBehavior(commonmark.LinkBehaviorSkip),
			commonmark.WithLinkEmptyContentBehavior(commonmark.LinkBehaviorSkip),
		),
		table.NewTablePlugin(table.WithSpanCellBehavior(table.SpanBehaviorMirror)),
		strikethrough.NewStrikethroughPlugin(),
	))
})

var rxBlankLines = regexp.MustCompile(`\n{3,}`)

// markdown renders n (its URLs already absolute; base catches any the page hid elsewhere).
// The converter rewrites n as it goes.
func markdown(n *html.Node, base *url.URL) string {
	var opts []converter.ConvertOptionFunc
	if base != nil {
		opts = append(opts, converter.WithDomain(base.String()))
	}
	out, err := mdConverter().ConvertNode(n, opts...)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(rxBlankLines.ReplaceAllString(string(out), "\n\n"))
}
