package scrape

import (
	"strings"
	"testing"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"1,234.5", 1234.5},
		{"−3 °C", -3},
		{"$12.99", 12.99},
		{"-$12.99", -12.99},
		{"$ -12.99", -12.99},
		{"USD 1,299.00", 1299},
		{"1.234,50 €", 1234.5},
		{"1 234,5", 1234.5},
		{"1\u00a0234\u00a0567", 1234567},
		{"1\u202f234,5 kg", 1234.5},
		{"1'234.50 CHF", 1234.5},
		{"12,5", 12.5},
		{"0,750 l", 0.75},
		{"1,234", 1234},
		{"1,234,567", 1234567},
		{"12,34,567", 1234567}, // Indian grouping
		{"1.234.567", 1234567},
		{"3.14159", 3.14159},
		{".5", 0.5},
		{"45%", 45},
		{"4.5 out of 5", 4.5},
		{"Rated 4.6 out of 5", 4.6},
		{"Temp: -3", -3},
		{"(−12)", -12},
		{"SM-G930", 930}, // a hyphen inside a word is not a sign
		{"10–20 items", 10},
		{"1e3", 1000},
		{"6.02E23 atoms", 6.02e23},
		{"5em", 5},
		{"٣٫٥", 3.5},           // Arabic-Indic digits and decimal separator
		{"１２３", 123},           // full-width
		{"५०", 50},             // Devanagari
		{"𝟗", 9},               // mathematical bold
		{"＋7", 7},              // full-width plus sign stays positive
		{"2024 123", 2024},     // a space groups only after 1 to 3 digits
		{"12. Next", 12},       // a dot not followed by a digit ends the number
		{"price:\t 7\n", 7},    // white space around
		{"version 1.2.3", 1.2}, // dots that do not group thousands end the number
		{"1,2,3", 1.2},
		{"1,234,567.89", 1234567.89},
		{"1.234.567,89", 1234567.89},
	}
	for _, tc := range tests {
		got, err := parseNumber(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseNumber(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "n/a", "—", "call us", "-", "+"} {
		if v, err := parseNumber(bad); err == nil {
			t.Errorf("parseNumber(%q) = %v, want an error", bad, v)
		}
	}
}

func TestParseInteger(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"1,024 reviews", 1024},
		{"$1,299.00", 1299},
		{"−7", -7},
		{"1e3", 1000},
		{"9,223,372,036,854,775,807", 9223372036854775807},
	}
	for _, tc := range tests {
		got, err := parseInteger(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseInteger(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for bad, why := range map[string]string{
		"4.5":                       "not a whole number",
		"9,223,372,036,854,775,808": "out of range",
		"none":                      "no digits",
		"1.55e1":                    "not a whole number",
	} {
		if _, err := parseInteger(bad); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("parseInteger(%q) error %v, want %q", bad, err, why)
		}
	}
}

func TestParseBool(t *testing.T) {
	for in, want := range map[string]bool{
		"true": true, "Yes": true, " ON ": true, "1": true, "y": true, "In stock": true, "Available!": true,
		"https://schema.org/InStock": true, "http://schema.org/OutOfStock": false,
		"false": false, "NO": false, "off": false, "0": false, "Sold out": false, "Out of stock.": false,
	} {
		got, err := parseBool(in)
		if err != nil || got != want {
			t.Errorf("parseBool(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "maybe", "2", "truest", "yes please"} {
		if _, err := parseBool(bad); err == nil {
			t.Errorf("parseBool(%q): want an error", bad)
		}
	}
}
