package scrape

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// challengeScanBytes bounds how much of a body Challenge reads: interstitials are small
// pages, and the markers sit near the top of them.
const challengeScanBytes = 256 << 10

// Challenge recognises a bot challenge or block page served in place of the page (Cloudflare,
// DataDome, PerimeterX/HUMAN, Akamai, AWS WAF, Sucuri, Imperva, DDoS-Guard, Vercel, or a page
// that is nothing but a CAPTCHA), whatever its status: some are served as 200. why names the
// vendor and the evidence, for the fetcher's "blocked" error.
//
// Each rule needs a marker that only the challenge carries, never one the vendor also puts on
// the pages it lets through: Cloudflare injects /cdn-cgi/challenge-platform/scripts/jsd into
// ordinary pages, so only the challenge's own _cf_chl_opt or orchestrate script counts;
// DataDome's tags.js runs everywhere, its captcha-delivery.com frame only on the block;
// PerimeterX leaves a hidden #px-captcha on some live pages, so that needs the block page's
// title, status or size too; and a reCAPTCHA, hCaptcha or Turnstile widget counts only on a
// short page that talks about proving you are human and has no password field, so a login
// form that loads reCAPTCHA is not a challenge.
func Challenge(status int, header http.Header, body []byte) (why string, ok bool) {
	if v := header.Get("Cf-Mitigated"); strings.EqualFold(strings.TrimSpace(v), "challenge") {
		return "cloudflare challenge (cf-mitigated: challenge)", true
	}
	if v := strings.ToLower(strings.TrimSpace(header.Get("X-Amzn-Waf-Action"))); v == "captcha" || v == "challenge" {
		return "aws waf " + v + " (x-amzn-waf-action: " + v + ")", true
	}
	if v := header.Get("X-Vercel-Mitigated"); strings.EqualFold(strings.TrimSpace(v), "challenge") {
		return "vercel security checkpoint (x-vercel-mitigated: challenge)", true
	}
	if header.Get("X-Sucuri-Block") != "" {
		return "sucuri firewall block (x-sucuri-block)", true
	}
	s := scanPage(body[:min(len(body), challengeScanBytes)])
	server := strings.ToLower(header.Get("Server"))
	blockedStatus := status == 403 || status == 429 || status == 503

	switch {
	case s.has("cf-chl-opt") || s.has("cf-orchestrate") || s.has("cf-challenge-form"):
		return "cloudflare challenge (" + s.evidence("cf-chl-opt", "cf-orchestrate", "cf-challenge-form") + ")", true
	case s.titleIs("just a moment...", "just a moment…") && (blockedStatus || strings.Contains(server, "cloudflare") || header.Get("Cf-Ray") != ""):
		return "cloudflare challenge (title \"Just a moment...\")", true
	case strings.HasPrefix(s.title, "attention required! | cloudflare"):
		return "cloudflare block (title \"Attention Required! | Cloudflare\")", true
	case s.has("cf-error-details") && s.has("cf-blocked"):
		return "cloudflare block (\"Sorry, you have been blocked\")", true

	case s.has("datadome"):
		return "datadome captcha (" + s.evidence("datadome") + ")", true

	case s.has("px-captcha") && (blockedStatus || s.has("px-captcha-script") || strings.Contains(s.title, "access to this page has been denied") || s.short()):
		return "perimeterx captcha (#px-captcha)", true

	case s.has("akamai-challenge"):
		return "akamai bot manager challenge (" + s.evidence("akamai-challenge") + ")", true
	case strings.HasPrefix(s.title, "access denied") && s.has("akamai-reference"):
		return "akamai access denied (errors.edgesuite.net reference)", true

	case s.has("aws-waf-challenge"):
		return "aws waf challenge (gokuProps / AwsWafIntegration)", true

	case strings.Contains(s.title, "sucuri website firewall") || s.has("sucuri-cloudproxy"):
		return "sucuri firewall (" + s.evidence("sucuri-cloudproxy") + ")", true
	case s.has("incapsula-incident"):
		return "imperva incapsula block (incident id)", true
	case s.titleIs("ddos-guard") || (s.has("ddos-guard") && s.short()):
		return "ddos-guard challenge", true

	case s.captchaWidget != "" && !s.password && s.short() && s.talksOfBots():
		return s.captchaWidget + " captcha page", true
	}
	return "", false
}

// pageScan is what Challenge needs to know of a page.
type pageScan struct {
	title, headings string // lower case
	text            int    // visible text, in bytes
	password        bool   // has an <input type=password>
	captchaWidget   string // "recaptcha", "hcaptcha" or "turnstile"
	marks           map[string]string
}

func (s *pageScan) has(mark string) bool { _, ok := s.marks[mark]; return ok }

func (s *pageScan) evidence(marks ...string) string {
	for _, m := range marks {
		if e, ok := s.marks[m]; ok {
			return e
		}
	}
	return ""
}

func (s *pageScan) mark(name, evidence string) {
	if _, ok := s.marks[name]; !ok {
		s.marks[name] = evidence
	}
}

func (s *pageScan) titleIs(titles ...string) bool {
	for _, t := range titles {
		if s.title == t {
			return true
		}
	}
	return false
}

// short: an interstitial says a sentence or two; an article or shop page says far more.
func (s *pageScan) short() bool { return s.text < 2000 }

var rxBotTalk = regexp.MustCompile(`captcha|robot|human|verif|security check|unusual traffic|access denied|are you a bot|bot check|blocked|checking your browser`)

func (s *pageScan) talksOfBots() bool {
	return rxBotTalk.MatchString(s.title) || rxBotTalk.MatchString(s.headings)
}

// scanPage tokenizes (never parses: this runs on every fetched page) and notes the markers.
func scanPage(body []byte) *pageScan {
	s := &pageScan{marks: map[string]string{}}
	z := html.NewTokenizer(bytes.NewReader(body))
	var inTitle, inScript, inStyle bool
	heading := 0
	var title, headings strings.Builder
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			s.title = strings.ToLower(collapse(title.String()))
			s.headings = strings.ToLower(collapse(headings.String()))
			return s
		case html.TextToken:
			text := z.Text()
			switch {
			case inTitle:
				title.Write(text)
			case inScript:
				s.scanScript(text)
			case inStyle:
			default:
				t := bytes.TrimSpace(text)
				s.text += len(t)
				if heading > 0 {
					headings.Write(text)
					headings.WriteByte(' ')
				}
				s.scanText(t)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			var attrs tagAttrs
			if hasAttr {
				attrs = readTagAttrs(z)
			}
			tag := string(name)
			switch tag {
			case "title":
				inTitle = tt == html.StartTagToken
			case "script":
				inScript = tt == html.StartTagToken
			case "style":
				inStyle = tt == html.StartTagToken
			case "h1", "h2", "h3":
				heading++
			}
			s.scanTag(tag, attrs)
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "title":
				inTitle = false
			case "script":
				inScript = false
			case "style":
				inStyle = false
			case "h1", "h2", "h3":
				heading = max(0, heading-1)
			}
		}
	}
}

// tagAttrs are the attributes the markers live in; the rest are not copied.
type tagAttrs struct{ id, class, src, action, typ string }

func readTagAttrs(z *html.Tokenizer) tagAttrs {
	var a tagAttrs
	for {
		k, v, more := z.TagAttr()
		switch string(k) {
		case "id":
			a.id = string(v)
		case "class":
			a.class = string(v)
		case "src":
			a.src = strings.ToLower(string(v))
		case "action":
			a.action = string(v)
		case "type":
			a.typ = string(v)
		}
		if !more {
			return a
		}
	}
}

func (s *pageScan) scanTag(tag string, a tagAttrs) {
	id, class, src := a.id, " "+a.class+" ", a.src
	switch {
	case id == "challenge-form" && strings.Contains(a.action, "__cf_chl_"):
		s.mark("cf-challenge-form", "form#challenge-form")
	case id == "cf-error-details":
		s.mark("cf-error-details", "#cf-error-details")
	case id == "px-captcha":
		s.mark("px-captcha", "#px-captcha")
	case id == "sec-if-cpt-container" || id == "sec-cpt-if":
		s.mark("akamai-challenge", "#"+id)
	case id == "main-iframe" && strings.Contains(src, "/_incapsula_resource"):
		s.mark("incapsula-incident", "iframe /_Incapsula_Resource")
	}
	if tag == "input" && strings.EqualFold(a.typ, "password") {
		s.password = true
	}
	switch {
	case strings.Contains(src, "/cdn-cgi/challenge-platform/") && strings.Contains(src, "/orchestrate/"):
		s.mark("cf-orchestrate", "challenge-platform orchestrate script")
	case strings.Contains(src, "captcha-delivery.com"):
		s.mark("datadome", src[:min(len(src), 60)])
	case strings.Contains(src, "captcha.px-cdn.net") || strings.Contains(src, "/captcha/captcha.js"):
		s.mark("px-captcha-script", "px captcha script")
	case strings.Contains(src, "/_sec/cp_challenge/"):
		s.mark("akamai-challenge", "/_sec/cp_challenge/ script")
	case strings.Contains(src, "ddos-guard"):
		s.mark("ddos-guard", "ddos-guard script")
	}
	switch {
	case strings.Contains(class, " g-recaptcha ") || strings.Contains(src, "google.com/recaptcha/") || strings.Contains(src, "recaptcha.net/recaptcha/"):
		s.captchaWidget = first(s.captchaWidget, "recaptcha")
	case strings.Contains(class, " h-captcha ") || strings.Contains(src, "hcaptcha.com/1/api.js"):
		s.captchaWidget = first(s.captchaWidget, "hcaptcha")
	case strings.Contains(class, " cf-turnstile ") || strings.Contains(src, "challenges.cloudflare.com/turnstile"):
		s.captchaWidget = first(s.captchaWidget, "turnstile")
	}
}

func (s *pageScan) scanScript(js []byte) {
	switch {
	case bytes.Contains(js, []byte("window._cf_chl_opt")) || bytes.Contains(js, []byte("_cf_chl_opt={")) || bytes.Contains(js, []byte("_cf_chl_opt = {")):
		s.mark("cf-chl-opt", "window._cf_chl_opt")
	case bytes.Contains(js, []byte("/orchestrate/")) && bytes.Contains(js, []byte("/cdn-cgi/challenge-platform/")):
		s.mark("cf-orchestrate", "challenge-platform orchestrate script")
	case bytes.Contains(js, []byte("captcha-delivery.com")) && bytes.Contains(js, []byte("var dd=")):
		s.mark("datadome", "var dd={… captcha-delivery.com}")
	case bytes.Contains(js, []byte("gokuProps")) || bytes.Contains(js, []byte("AwsWafIntegration.checkForceRefresh")):
		s.mark("aws-waf-challenge", "gokuProps")
	case bytes.Contains(js, []byte("sucuri_cloudproxy_js")) || bytes.Contains(js, []byte("sucuri_cloudproxy_uuid_")):
		s.mark("sucuri-cloudproxy", "sucuri_cloudproxy_js")
	case bytes.Contains(js, []byte("/_sec/verify?provider=interstitial")) || bytes.Contains(js, []byte("bm-verify")) && bytes.Contains(js, []byte("/_sec/verify")):
		s.mark("akamai-challenge", "bm-verify interstitial")
	}
}

func (s *pageScan) scanText(t []byte) {
	switch {
	case bytes.Contains(t, []byte("Sorry, you have been blocked")):
		s.mark("cf-blocked", "Sorry, you have been blocked")
	case bytes.Contains(t, []byte("Incapsula incident ID")):
		s.mark("incapsula-incident", "Incapsula incident ID")
	case bytes.Contains(t, []byte("errors.edgesuite.net")) || bytes.HasPrefix(t, []byte("Reference #")) && bytes.Contains(t, []byte(".")):
		s.mark("akamai-reference", "Reference #")
	}
}
