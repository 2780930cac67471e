package schemas

import "testing"

// A body is spliced into replies as it is: only a well-formed SearchBody encoding passes.
func TestValidBody(t *testing.T) {
	tests := []struct {
		body string
		want bool
	}{
		{`{"search_parameters":{"q":"x"},"organic_results":[],"pagination":{"current":1}}`, true},
		{`{"search_parameters":{"q":"x"},"organic_results":[}`, false}, // first and last byte right, inside broken
		{`{"poison":true}`, false},                          // JSON, but not a result
		{`{"search_parameters":{"q":"x"}} trailing`, false}, // garbage after
		{"{\"search_parameters\":{\"q\":\"\xff\"}}", false}, // invalid UTF-8
		{``, false},
	}
	for _, tc := range tests {
		if got := ValidBody([]byte(tc.body)); got != tc.want {
			t.Errorf("ValidBody(%q) = %v, want %v", tc.body, got, tc.want)
		}
	}
}
