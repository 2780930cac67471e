package engines

import (
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/schemas"
)

// Goldens keep only an error's kind; a user reading a Tieba or Wenku page's answer needs the
// reason to tell another product from a layout the parser missed.
func TestBaiduOtherProductsSayWhich(t *testing.T) {
	for file, want := range map[string]string{
		"testdata/baidu/tieba_2018.html.gz":               "Tieba",
		"testdata/baidu/wenku_2021.html.gz":               "Wenku",
		"testdata/baidu/within_results_form_2013.html.gz": "search-within-results",
		"testdata/baidu/https_redirect_2018.html.gz":      "redirect stub",
	} {
		page, err := readPage(file)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Baidu{}.Parse(page, &schemas.SearchRequest{Engine: "baidu", Page: 1})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an unrecognised_page naming %q", file, err, want)
		}
	}
}
