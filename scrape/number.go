package scrape

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// parseNumber reads the first number in a piece of page text: "1,234.5", "−3 °C", "$12.99",
// "1.234,50 €", "1 234,5", "45%" (45, not 0.45), "4.5 out of 5" (4.5), "Temp: -3" (-3).
//
// Separators: with both "." and "," present, the last one is the decimal point. A lone ","
// followed by exactly three digits after at most three is a thousands separator ("1,234"
// is 1234), else a decimal comma ("12,5", "0,750"); several commas or several dots group
// thousands ("1,234,567", "1.234.567", and the Indian "12,34,567"). A space, a no-break space
// or an apostrophe groups thousands only before exactly three digits ("1 234", "1'234.50").
// Digits of any script count (Arabic-Indic, full-width), and so do the Unicode minus signs.
// A "-" is a sign only when it does not join two words ("SM-G930" is 930, not -930).
func parseNumber(s string) (float64, error) {
	tok, err := numberToken(s)
	if err != nil {
		return 0, fmt.Errorf("cannot read %s as a number: %w", quoteShort(s), err)
	}
	v, err := strconv.ParseFloat(tok, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("cannot read %s as a number: out of range", quoteShort(s))
	}
	return v, nil
}

// parseInteger is parseNumber for whole numbers: "1,299.00" is 1299, "4.5" an error.
func parseInteger(s string) (int64, error) {
	tok, err := numberToken(s)
	if err != nil {
		return 0, fmt.Errorf("cannot read %s as an integer: %w", quoteShort(s), err)
	}
	if strings.ContainsAny(tok, "eE") {
		v, err := strconv.ParseFloat(tok, 64)
		if err != nil || v != math.Trunc(v) || math.Abs(v) >= 1<<63 {
			return 0, fmt.Errorf("cannot read %s as an integer: not a whole number in range", quoteShort(s))
		}
		return int64(v), nil
	}
	whole, frac, _ := strings.Cut(tok, ".")
	if strings.Trim(frac, "0") != "" {
		return 0, fmt.Errorf("cannot read %s as an integer: %s is not a whole number", quoteShort(s), tok)
	}
	v, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cannot read %s as an integer: out of range", quoteShort(s))
	}
	return v, nil
}

var (
	boolTrue  = map[string]bool{"true": true, "yes": true, "y": true, "1": true, "on": true, "checked": true, "enabled": true, "in stock": true, "instock": true, "available": true}
	boolFalse = map[string]bool{"false": true, "no": true, "n": true, "0": true, "off": true, "unchecked": true, "disabled": true, "out of stock": true, "outofstock": true, "sold out": true, "soldout": true, "unavailable": true}
)

// parseBool reads yes/no words: true, yes, y, 1, on (and checked, enabled, in stock,
// available) or false, no, n, 0, off (and unchecked, disabled, out of stock, sold out,
// unavailable), in any case; a schema.org availability URL reads as its last word
// ("https://schema.org/InStock" is true).
func parseBool(s string) (bool, error) {
	v := strings.ToLower(collapse(s))
	if i := strings.Index(v, "schema.org/"); i >= 0 {
		v = v[strings.LastIndexByte(v, '/')+1:]
	}
	v = strings.TrimRight(v, ".!")
	switch {
	case boolTrue[v]:
		return true, nil
	case boolFalse[v]:
		return false, nil
	}
	return false, fmt.Errorf("cannot read %s as a boolean: want true/false, yes/no, 1/0 or on/off", quoteShort(s))
}

func quoteShort(s string) string {
	s = collapse(s)
	if r := []rune(s); len(r) > 64 {
		s = string(r[:64]) + "…"
	}
	return strconv.Quote(s)
}

var errNoDigits = errors.New("no digits")

// numberToken finds the first number in s and spells it the way strconv reads it.
func numberToken(s string) (string, error) {
	r := normaliseNumber(s)
	start := -1
	for i, c := range r {
		if isDigit(c) {
			start = i
			break
		}
	}
	if start < 0 {
		return "", errNoDigits
	}
	if start > 0 && r[start-1] == '.' && (start < 2 || !isDigit(r[start-2])) {
		start-- // ".5"
	}
	neg := negative(r, start)

	var num []rune
	k := start
	group := 0 // digits since the last separator
	for k < len(r) {
		c := r[k]
		switch {
		case isDigit(c):
			num = append(num, c)
			group++
			k++
			continue
		case (c == '.' || c == ',') && k+1 < len(r) && isDigit(r[k+1]):
			num = append(num, c)
			group = 0
			k++
			continue
		case (c == ' ' || c == '\'') && group >= 1 && group <= 3 && !strings.ContainsRune(string(num), '.') && threeDigits(r, k+1):
			group = 0
			k++
			continue
		}
		break
	}
	mantissa := separators(trimGroups(string(num)))
	if mantissa == "" || mantissa == "." {
		return "", errNoDigits
	}
	exp := ""
	if k < len(r) && (r[k] == 'e' || r[k] == 'E') {
		j := k + 1
		if j < len(r) && (r[j] == '-' || r[j] == '+') {
			j++
		}
		e := j
		for e < len(r) && isDigit(r[e]) {
			e++
		}
		if e > j && (e == len(r) || !unicode.IsLetter(r[e])) {
			exp = "e" + string(r[k+1:e])
		}
	}
	if neg {
		return "-" + mantissa + exp, nil
	}
	return mantissa + exp, nil
}

// trimGroups cuts a number whose repeated separator does not group thousands where it
// stands: "1.2.3" (a version) reads as 1.2, not 123. Groups after the first must have three
// digits, or two and then a last of three (the Indian 12,34,567).
func trimGroups(n string) string {
	for _, sep := range []string{".", ","} {
		parts := strings.Split(n, sep)
		if len(parts) < 3 {
			continue
		}
		// With both separators, the last part may carry the other one's decimals.
		last := len(parts) - 1
		parts[last], _, _ = strings.Cut(parts[last], map[string]string{".": ",", ",": "."}[sep])
		western, indian := true, len(parts[last]) == 3
		for i, p := range parts[1:] {
			western = western && len(p) == 3
			if i+1 < last {
				indian = indian && len(p) == 2
			}
		}
		if !western && !indian {
			return parts[0] + sep + parts[1]
		}
	}
	return n
}

// separators turns "1,234.5", "1.234,5", "12,5", "1,234" into strconv's "1234.5", "12.5", …
func separators(n string) string {
	dots, commas := strings.Count(n, "."), strings.Count(n, ",")
	switch {
	case dots > 0 && commas > 0:
		if strings.LastIndexByte(n, '.') > strings.LastIndexByte(n, ',') {
			return dropAllButLast(strings.ReplaceAll(n, ",", ""), '.')
		}
		return strings.ReplaceAll(dropAllButLast(strings.ReplaceAll(n, ".", ""), ','), ",", ".")
	case commas > 1:
		return strings.ReplaceAll(n, ",", "")
	case commas == 1:
		whole, frac, _ := strings.Cut(n, ",")
		if len(frac) == 3 && len(whole) <= 3 && whole != "0" && whole != "" {
			return whole + frac
		}
		return whole + "." + frac
	case dots > 1:
		return strings.ReplaceAll(n, ".", "")
	}
	return n
}

// dropAllButLast keeps only the last sep in n ("1.2.3" → "12.3"), guarding against a number
// written with the decimal separator twice.
func dropAllButLast(n string, sep byte) string {
	i := strings.LastIndexByte(n, sep)
	if i < 0 {
		return n
	}
	return strings.ReplaceAll(n[:i], string(sep), "") + n[i:]
}

// negative reports whether a minus sign stands before the number at start, perhaps with a
// currency symbol or spaces between ("-$12", "- 3"), and not as a hyphen inside a word.
func negative(r []rune, start int) bool {
	j := start - 1
	for steps := 0; j >= 0 && steps < 4 && (r[j] == ' ' || unicode.Is(unicode.Sc, r[j])); steps++ {
		j--
	}
	if j < 0 || r[j] != '-' {
		return false
	}
	return j == 0 || !(unicode.IsLetter(r[j-1]) || isDigit(r[j-1]))
}

func threeDigits(r []rune, i int) bool {
	if i+3 > len(r) {
		return false
	}
	for _, c := range r[i : i+3] {
		if !isDigit(c) {
			return false
		}
	}
	return i+3 == len(r) || !isDigit(r[i+3])
}

func isDigit(c rune) bool { return c >= '0' && c <= '9' }

// normaliseNumber maps digits of every script to ASCII, the Unicode minus signs and dashes to
// "-", the no-break and thin spaces to " ", and the Arabic and full-width separators to ASCII.
func normaliseNumber(s string) []rune {
	out := make([]rune, 0, len(s))
	for _, c := range s {
		switch c {
		case '\u2212', '\u2010', '\u2011', '\u2012', '\u2013', '\uFE63', '\uFF0D':
			c = '-'
		case '\uFF0B':
			c = '+'
		case '\u00A0', '\u202F', '\u2009', '\u2007', '\u2008', '\u200A', '\u3000':
			c = ' '
		case '\u066B', '\uFF0E':
			c = '.'
		case '\u066C', '\uFF0C', '\u060C':
			c = ','
		case '\u2019', '\u02BC':
			c = '\''
		default:
			if c > 0x7f && unicode.Is(unicode.Nd, c) {
				c = '0' + digitValue(c)
			}
		}
		out = append(out, c)
	}
	return out
}

// digitValue is the value of a decimal digit of any script: Unicode lays each script's digits
// out as runs of ten starting at zero, so the offset into its run is the value.
func digitValue(c rune) rune {
	for _, r := range unicode.Nd.R16 {
		if rune(r.Lo) <= c && c <= rune(r.Hi) {
			return (c - rune(r.Lo)) % 10
		}
	}
	for _, r := range unicode.Nd.R32 {
		if rune(r.Lo) <= c && c <= rune(r.Hi) {
			return (c - rune(r.Lo)) % 10
		}
	}
	return 0
}
