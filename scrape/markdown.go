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
	return strings.TrimSpace(rxBlankLines.ReplaceAllString(dropListEnds(string(out)), "\n\n"))
}

// listEnd is the comment the converter puts after a list followed by another block that
// markdown could read as part of it. For a reader (and a RAG pipeline) it is noise in the text,
// and the worst that goes without it is two adjacent lists rendered as one.
const listEnd = "<!--THE END-->"

// dropListEnds removes the converter's listEnd lines, outside code fences.
func dropListEnds(md string) string {
	if !strings.Contains(md, listEnd) {
		return md
	}
	lines := strings.Split(md, "\n")
	kept := lines[:0]
	fence := ""
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case fence != "":
			if strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
				fence = ""
			}
		case strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~"):
			fence = t[:3]
			for len(fence) < len(t) && t[len(fence)] == t[0] {
				fence += t[:1]
			}
		case t == listEnd:
			continue
		}
		kept = append(kept, l)
	}
	return strings.Join(kept, "\n")
}
