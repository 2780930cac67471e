package schemas

import "testing"

func TestVerticalInCacheKey(t *testing.T) {
	key := func(typ, q string) string {
		r := SearchRequest{Q: q, Engine: "bing", Type: typ}
		r.Normalize()
		return r.CacheKey()
	}
	if key("", "go") != key("web", "go") {
		t.Error("web written out and left out must share a key")
	}
	if key("", "go") == key("news", "go") || key("news", "go") == key("images", "go") {
		t.Error("each vertical must have its own key")
	}
	// q is the last field and may hold NUL: no web query may take a vertical's key.
	if key("", "news\x00go") == key("news", "go") {
		t.Error("a web q must not reproduce a news key")
	}
}

func TestValidateType(t *testing.T) {
	tests := []struct {
		name   string
		req    SearchRequest
		fields int
	}{
		{"web", SearchRequest{Q: "go", Type: "web"}, 0},
		{"news", SearchRequest{Q: "go", Type: "news"}, 0},
		{"videos", SearchRequest{Q: "go", Type: "videos"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.req.Validate(nil, 0); len(got) != tc.fields {
				t.Errorf("Validate = %v, want %d errors", got, tc.fields)
			}
		})
	}
	supports := func(engine, vertical string) bool { return engine == "bing" }
	r := SearchRequest{Q: "go", Engine: "bing,mojeek,brave", Type: VerticalNews}
	errs := r.ValidateVertical(supports)
	if len(errs) != 2 || errs[0].Field != "type" || errs[0].Message != `engine "mojeek" has no news vertical` {
		t.Errorf("ValidateVertical = %v", errs)
	}
	r.Type = ""
	if errs := r.ValidateVertical(supports); errs != nil {
		t.Errorf("web: %v", errs)
	}
}
