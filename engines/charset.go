package engines

import (
	"unicode/utf8"

	"golang.org/x/net/html/charset"
)

// asUTF8 transcodes a page that is not UTF-8 by what it declares (a BOM or a meta charset),
// else as windows-1252, HTML's default for an undeclared page. Engines have served UTF-8
// for well over a decade, so a valid page is passed through untouched; the older result
// pages still met in archives (Yahoo's of 2000-2002, Baidu's GBK pages) are not.
func asUTF8(page []byte) []byte {
	if utf8.Valid(page) {
		return page
	}
	enc, _, _ := charset.DetermineEncoding(page, "text/html")
	out, err := enc.NewDecoder().Bytes(page)
	if err != nil {
		return page
	}
	return out
}
