package scrape_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trawl-dev/trawl/scrape"
	"github.com/trawl-dev/trawl/sim"
)

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestChallengeSimPage(t *testing.T) {
	srv := startSim(t)
	p, h := fetchPage(t, srv, "/pages/challenge")
	if p.HTTPStatus != 403 || h.Get("Cf-Mitigated") != "challenge" || h.Get("Server") != "cloudflare" || h.Get("Cf-Ray") == "" {
		t.Fatalf("the simulated challenge is not served as Cloudflare serves it: %d %v", p.HTTPStatus, h)
	}
	why, ok := scrape.Challenge(p.HTTPStatus, h, p.Body)
	if !ok || !strings.Contains(why, "cloudflare") {
		t.Fatalf("Challenge = %q, %v", why, ok)
	}
	// The body alone gives it away too, whatever the status: no header is needed.
	for _, status := range []int{200, 403, 503} {
		if why, ok := scrape.Challenge(status, http.Header{}, p.Body); !ok || !strings.Contains(why, "_cf_chl_opt") {
			t.Errorf("status %d without headers: %q, %v", status, why, ok)
		}
	}
	// Every content page is a page.
	for _, path := range sim.ScrapePages() {
		p, h := fetchPage(t, srv, path)
		if why, ok := scrape.Challenge(p.HTTPStatus, h, p.Body); ok {
			t.Errorf("%s taken for a challenge: %s", path, why)
		}
	}
}

// TestChallengeRealCloudflare runs on Cloudflare challenge pages captured from a live site
// (testdata/real/SOURCES.md), served as Cloudflare serves them and with no headers at all.
func TestChallengeRealCloudflare(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "real", "challenge", "*.html"))
	if err != nil || len(files) < 4 {
		t.Fatalf("challenge samples: %v %v", files, err)
	}
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			for _, h := range []http.Header{hdr("Server", "cloudflare", "Cf-Ray", "732fa2449b567521-FRA"), {}} {
				if why, ok := scrape.Challenge(503, h, body); !ok || !strings.Contains(why, "cloudflare") {
					t.Errorf("headers %v: %q, %v", h, why, ok)
				}
			}
		})
	}
}

// Vendor pages in the shape each vendor serves them (their markers, cut down).
var challengeBodies = []struct {
	name   string
	status int
	header http.Header
	body   string
	vendor string
}{
	{"cloudflare header only", 403, hdr("Cf-Mitigated", "challenge"), "", "cloudflare"},
	{"cloudflare 1020 block", 403, hdr("Server", "cloudflare"), `<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body><div id="cf-wrapper"><div id="cf-error-details" class="cf-error-details-wrapper"><h1 data-translate="block_headline">Sorry, you have been blocked</h1><h2 class="cf-subheadline">You are unable to access example.com</h2></div></div></body></html>`, "cloudflare block"},
	{"cloudflare just a moment, old jschl", 503, hdr("Server", "cloudflare"), `<html><head><title>Just a moment...</title></head><body><form id="challenge-form" action="/?__cf_chl_jschl_tk__=abc" method="POST"><input type="hidden" name="r" value="x"></form></body></html>`, "cloudflare"},
	{"datadome", 403, hdr("X-Datadome", "protected", "X-Dd-B", "1"), `<html><head><title>example.com</title><style>#cmsg{animation: A 1.5s;}</style></head><body style="margin:0"><p id="cmsg">Please enable JS and disable any ad blocker</p><script data-cfasync="false">var dd={'rt':'c','cid':'AHrlqAAAAAMA1ExampleQ==','hsh':'2211F522B61E269B869FA6EAFFB5E1','t':'fe','s':40000,'e':'0123','host':'geo.captcha-delivery.com'}</script><script data-cfasync="false" src="https://ct.captcha-delivery.com/c.js"></script></body></html>`, "datadome"},
	{"datadome iframe", 200, http.Header{}, `<html><body><iframe src="https://geo.captcha-delivery.com/captcha/?initialCid=AHrlq&hash=22&cid=x" title="DataDome CAPTCHA" width="100%" height="100%"></iframe></body></html>`, "datadome"},
	{"perimeterx", 403, http.Header{}, `<!DOCTYPE html><html lang="en"><head><title>Access to this page has been denied</title></head><body><div class="px-captcha-container"><div class="px-captcha-header">Before we continue...</div><div class="px-captcha-message">Press &amp; Hold to confirm you are<br>a human (and not a bot).</div><div id="px-captcha"></div></div><script>window._pxAppId = 'PXabc12345';</script><script src="https://captcha.px-cdn.net/PXabc12345/captcha.js?a=c&m=0"></script></body></html>`, "perimeterx"},
	{"perimeterx served 200", 200, http.Header{}, `<html><head><title>Robot or human?</title></head><body><h1>Robot or human?</h1><p>Activate and hold the button to confirm that you're human. Thank You!</p><div id="px-captcha"></div></body></html>`, "perimeterx"},
	{"akamai access denied", 403, hdr("Server", "AkamaiGHost"), "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n \nYou don't have permission to access \"http&#58;&#47;&#47;www&#46;example&#46;com&#47;\" on this server.<P>\nReference&#32;&#35;18&#46;2d351ab8&#46;1700000000&#46;a4e16ab\n<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;2d351ab8&#46;1700000000&#46;a4e16ab</P>\n</BODY>\n</HTML>\n", "akamai"},
	{"akamai bot manager", 428, http.Header{}, `<!DOCTYPE html><html><head><title>Powered and protected by Akamai</title></head><body><div id="sec-if-cpt-container" class="sec-if-cpt-container"><div class="behavioral-content"><h1>Powered and protected by <span class="sec-text-akamai">Akamai</span></h1></div></div><script src="/_sec/cp_challenge/ak-challenge-4-3.js"></script></body></html>`, "akamai bot manager"},
	{"aws waf header", 405, hdr("X-Amzn-Waf-Action", "captcha"), `<!DOCTYPE html><html lang="en"><head><title></title></head><body><div id="captcha-container"></div><script>window.awsWafCookieDomainList = [];window.gokuProps = {"key":"AQID","iv":"A6we","context":"abc"};</script></body></html>`, "aws waf captcha"},
	{"aws waf body", 202, http.Header{}, `<!DOCTYPE html><html><head><script type="text/javascript" src="https://0d1a2b3c4d5e.9f8e7d6c.us-east-1.token.awswaf.com/0d1a2b3c4d5e/abcdef/challenge.js"></script><script>window.gokuProps = {"key":"AQID","iv":"CgAH","context":"xyz"};</script></head><body><div id="challenge-container"></div><noscript><h1>JavaScript is disabled</h1></noscript></body></html>`, "aws waf"},
	{"sucuri", 403, hdr("Server", "Sucuri/Cloudproxy", "X-Sucuri-Id", "11005"), `<!DOCTYPE html><html><head><title>Sucuri WebSite Firewall - Access Denied</title></head><body><div id="main-container"><h2>Access Denied - Sucuri Website Firewall</h2></div></body></html>`, "sucuri"},
	{"sucuri js challenge", 200, hdr("Server", "Sucuri/Cloudproxy"), `<html><title>You are being redirected...</title><noscript>Javascript is required. Please enable javascript before you are allowed to see this page.</noscript><script>var s={},u,c,U,r,i,l=0,a,e=eval,w=String.fromCharCode,sucuri_cloudproxy_js='',S='Yz0nNycgKyAnMScgKyAnNic7';L=S.length;</script></html>`, "sucuri"},
	{"incapsula", 200, http.Header{}, `<html style="height:100%"><head><META NAME="ROBOTS" CONTENT="NOINDEX, NOFOLLOW"></head><body style="margin:0px;height:100%"><iframe id="main-iframe" src="/_Incapsula_Resource?CWUDNSAI=24&xinfo=8-1234-0&incident_id=123-456&edet=12&cinfo=04000000" frameborder=0 width="100%" height="100%" marginheight="0px" marginwidth="0px">Request unsuccessful. Incapsula incident ID: 123000450012345678-901234567890123456</iframe></body></html>`, "incapsula"},
	{"vercel", 429, hdr("X-Vercel-Mitigated", "challenge", "Server", "Vercel"), `<!DOCTYPE html><html><head><title>Vercel Security Checkpoint</title></head><body><noscript>Please enable JavaScript to continue.</noscript></body></html>`, "vercel"},
	{"ddos-guard", 403, hdr("Server", "ddos-guard"), `<!DOCTYPE html><html><head><title>DDoS-Guard</title></head><body><div id="ddg-captcha"></div><script src="/.well-known/ddos-guard/check?context=free_splash"></script></body></html>`, "ddos-guard"},
	{"recaptcha only", 200, http.Header{}, `<html><head><title>Security check</title><script src="https://www.google.com/recaptcha/api.js" async defer></script></head><body><h1>Please verify you are a human</h1><p>Our systems have detected unusual traffic from your computer network.</p><form action="/verify" method="post"><div class="g-recaptcha" data-sitekey="6LcXXXX"></div><button>Continue</button></form></body></html>`, "recaptcha"},
	{"hcaptcha only", 403, http.Header{}, `<html><head><title>One more step</title><script src="https://hcaptcha.com/1/api.js" async></script></head><body><h2>Are you a robot?</h2><div class="h-captcha" data-sitekey="10000000-ffff-ffff-ffff-000000000001"></div></body></html>`, "hcaptcha"},
}

func TestChallengeVendors(t *testing.T) {
	for _, tc := range challengeBodies {
		t.Run(tc.name, func(t *testing.T) {
			why, ok := scrape.Challenge(tc.status, tc.header, []byte(tc.body))
			if !ok || !strings.Contains(why, tc.vendor) {
				t.Errorf("Challenge = %q, %v; want one naming %q", why, ok, tc.vendor)
			}
		})
	}
}

// Ordinary pages that carry a vendor's everyday markers must not be taken for challenges.
func TestChallengeFalsePositives(t *testing.T) {
	article := strings.Repeat("<p>The council met on Tuesday to discuss the budget for next year, and agreed on most of it.</p>", 40)
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
	}{
		{"login form with reCAPTCHA", 200, http.Header{}, `<html><head><title>Sign in – Example Bank</title><script src="https://www.google.com/recaptcha/api.js"></script></head><body><h1>Sign in to online banking</h1><form method="post"><label>Email <input type="email" name="email"></label><label>Password <input type="password" name="password"></label><div class="g-recaptcha" data-sitekey="6Lc"></div><button>Sign in</button></form><p>Forgot your password? Call us.</p></body></html>`},
		{"contact form with Turnstile", 200, http.Header{}, `<html><head><title>Contact us</title><script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async defer></script></head><body><h1>Contact us</h1>` + article + `<form><textarea name="msg"></textarea><div class="cf-turnstile" data-sitekey="0x4AAA"></div></form></body></html>`},
		{"cloudflare-proxied page with its bot script", 200, hdr("Server", "cloudflare", "Cf-Ray", "8f00000000000000-AMS"), `<html><head><title>Budget agreed</title></head><body>` + article + `<script>(function(){function c(){var b=a.contentDocument||a.contentWindow.document;if(b){var d=b.createElement('script');d.innerHTML="window.__CF$cv$params={r:'8f00000000000000',t:'MTcwMDAwMDAwMC4wMDAwMDA='};var a=document.createElement('script');a.nonce='';a.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js';document.getElementsByTagName('head')[0].appendChild(a);";b.getElementsByTagName('head')[0].appendChild(d)}}var a=document.createElement('iframe');a.height=1;a.width=1;a.style.display='none';document.body.appendChild(a);c()})();</script></body></html>`},
		{"cloudflare 522 error", 522, hdr("Server", "cloudflare"), `<!DOCTYPE html><html><head><title>example.com | 522: Connection timed out</title></head><body><div id="cf-wrapper"><div id="cf-error-details" class="p-0"><h1>Connection timed out</h1><span class="cf-error-code">522</span></div></div></body></html>`},
		{"datadome-protected page", 200, hdr("X-Datadome", "protected"), `<html><head><title>Shoes</title><script src="https://js.datadome.co/tags.js" async></script></head><body>` + article + `</body></html>`},
		{"hidden px-captcha on a live page", 200, http.Header{}, `<html><head><title>Create your account</title></head><body><h1>Create your account</h1>` + article + `<div id="px-captcha" style="display:none"></div><script>window._pxAppId='PXabc';</script></body></html>`},
		{"article about challenges", 200, http.Header{}, `<html><head><title>Why you see "Just a moment..." pages</title></head><body><h1>Why you see "Just a moment..." pages</h1><p>Cloudflare sets window._cf_chl_opt on its challenge, and DataDome loads geo.captcha-delivery.com; a div#px-captcha marks PerimeterX.</p><pre><code>&lt;div id="px-captcha"&gt;&lt;/div&gt;</code></pre>` + article + `</body></html>`},
		{"empty 403", 403, http.Header{}, ``},
		{"plain access denied", 403, http.Header{}, `<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1><p>You don't have permission to access this resource.</p></body></html>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if why, ok := scrape.Challenge(tc.status, tc.header, []byte(tc.body)); ok {
				t.Errorf("taken for a challenge: %s", why)
			}
		})
	}
	for _, pg := range realPages {
		body, err := os.ReadFile(filepath.Join("testdata", "real", pg.name, "source.html"))
		if err != nil {
			t.Fatal(err)
		}
		if why, ok := scrape.Challenge(200, http.Header{}, body); ok {
			t.Errorf("%s taken for a challenge: %s", pg.name, why)
		}
	}
}
