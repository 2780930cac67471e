package sim

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// yandex is yandex.com/search/ (2025-2026 React layout): ul#search-result of li.serp-item
// cards, the neuro answer first (data-fast-name=neuro_answer, its text in FuturisMarkdown),
// paid cards marked by AdvLabel and the serp-adv counter and linked through yabs.yandex.ru,
// then the related queries (Related-Button links) and the Pager. Organic links point at the
// target itself; Yandex counts clicks with data-counter, not a redirect.
var yandex = &engine{
	name:  "yandex",
	paths: []string{"/search/", "/search", "/images/search"},
	query: "text",
	verticals: map[string]vertical{
		"/images/search": {results: yandexImages, empty: yandexImagesEmpty, window: func(f url.Values, _ int) (int, int) {
			return max(0, atoi(f.Get("p"), 0)) * yandexImagesPage, yandexImagesPage
		}},
	},
	salt:    3,
	window:  pageWindow("p", "numdoc"),
	results: yandexResults,
	empty:   yandexEmpty,
	captcha: yandexCaptcha,
	title:   func(q string) string { return q + " — Яндекс" },
}

// yandexFound is the rounded count Yandex writes into its title ("нашлось 148 тыс. результатов").
func yandexFound(n int64) string {
	if n >= 1_000_000 {
		return strconv.FormatInt(n/1_000_000, 10) + " млн"
	}
	return strconv.FormatInt(n/1000, 10) + " тыс."
}

func yandexHead(title, eq string) string {
	return `<!DOCTYPE html><html class="i-ua_js_no i-ua_css_standart" lang="ru"><head><meta charset="utf-8"><title>` + title + `</title></head>` +
		`<body class="b-page__body i-ua Typo Typo_text_m Typo_line_m b-page b-page_tld_com b-page_ajax_yes i-ua_platform_other">` +
		`<header class="HeaderDesktop"><form class="HeaderForm" action="/search/" role="search"><input class="HeaderForm-Input" name="text" value="` + eq + `"></form></header>` +
		`<main class="main"><div class="main__center"><div class="main__container"><div class="main__content"><div class="content">`
}

func yandexHref(q string, page int) string {
	return esc("/search/?text=" + url.QueryEscape(q) + "&lr=87&p=" + strconv.Itoa(page))
}

func yandexResults(p *serp) string {
	var b strings.Builder
	eq := p.eq()
	b.WriteString(yandexHead(eq+" — Яндекс: нашлось "+yandexFound(p.hits())+" результатов", eq))
	b.WriteString(`<div class="content__left" data-layout-part="cl"><ul id="search-result" aria-label="Результаты поиска" class="serp-list serp-list_left_yes">`)
	cid := 0
	if p.first() {
		fmt.Fprintf(&b, `<li class="serp-item serp-item__futuris-snippet serp-item_card serp-item_card-has-shadow" data-cid="%d" data-fast="1" data-fast-name="neuro_answer" data-fast-subtype="teaser_bsa" data-first-snippet="true">`+
			`<div class="Root FuturisSearch FuturisSearch_gen"><div class="FuturisSearchCard FuturisSearchCard_view_fold"><div class="FuturisSearchCard-Content">`+
			`<div class="FuturisInlineHeader FuturisInlineHeader_size_m"><a class="Link FuturisInlineHeader-Link" href="https://alice.yandex.ru/" target="_blank" title="Алиса в чате">`+
			`<div class="FuturisIconWithDescriptionCard"><div class="FuturisIconWithDescriptionCard-Description"><h3 class="FuturisInlineHeader-Title">Алиса AI</h3>`+
			`<h4 class="FuturisInlineHeader-Subtitle">Быстрый ответ, возможны неточности</h4></div></div></a></div>`+
			`<div class="FactFold FactFold_height-limited FactFold_mode_gen"><div class="FactFold-Container"><article class="Futuris-RequestResponsePair Futuris-RequestResponsePair_isLast"><section class="FuturisGPTMessage">`+
			`<div class="FuturisMarkdown FuturisMarkdown_theme_common FuturisRSRContent-Block"><div class="FuturisMarkdown-Paragraph"><strong>%s</strong> — тема, на которую этот симулятор отвечает над результатами поиска.</div></div>`+
			`</section></article></div></div></div></div></div></li>`, cid, esc(displayQuery(p.q)))
		cid++
		fmt.Fprintf(&b, `<li class="serp-item serp-item_card" data-cid="%d" data-fast="2"><div class="Organic Typo Typo_text_m Typo_line_s">`+
			`<div class="VanillaReact OrganicTitle OrganicTitle_size_l"><a class="Link VanillaReact Link_theme_normal OrganicTitle-Link link action-counter" data-counter="[&quot;b&quot;]" data-event-required="true" href="%s" tabindex="0" target="_blank">`+
			`<div class="Favicon Favicon_size_m Favicon_outer"></div><h2 class="OrganicTitle-LinkText"><span class="OrganicTitleContentSpan" role="text">Купить %s — Example Shop</span></h2></a>`+
			`<span class="VanillaReact AdvCounter serp-adv__counter"></span></div>`+
			`<div class="Organic-Subtitle"><div class="Path Path_overflowEllipsis Organic-Path"><a class="Link VanillaReact Link_theme_outer Path-Item link" href="%s" role="text" tabindex="0" target="_blank"><b>shop.example.com</b></a></div>`+
			`<div class="AdvLabel OrganicAdvLabel"><span class="AdvLabel-Text">Реклама</span></div></div>`+
			`<div class="Organic-ContentWrapper"><div class="TextContainer OrganicText Typo Typo_text_m Typo_line_m"><span role="text" class="OrganicTextContentSpan">Реклама для запроса <b>%s</b>.</span></div></div></div></li>`,
			cid, esc(yabsClick(p.seed)), eq, esc(yabsClick(p.seed)), eq)
		cid++
	}
	for _, r := range p.results {
		w, h := p.word(r), host(r)
		fmt.Fprintf(&b, `<li class="serp-item serp-item_card" data-cid="%d" data-fast="1"><div class="Organic Typo Typo_text_m Typo_line_s">`+
			`<div class="VanillaReact OrganicTitle OrganicTitle_size_l"><a accesskey="%d" class="Link Link_theme_normal OrganicTitle-Link link" data-counter="[&quot;b&quot;]" href="%s" tabindex="0" target="_blank" theme="normal">`+
			`<div class="Favicon Favicon_size_m Favicon_outer"></div><h2 class="OrganicTitle-LinkText"><span class="OrganicTitleContentSpan" role="text">%s</span></h2></a></div>`+
			`<div class="Organic-Subtitle"><div class="Path Path_overflowEllipsis Organic-Path"><a class="Link Link_theme_outer Path-Item link" data-counter="[&quot;b&quot;]" href="%s" role="text" tabindex="0" target="_blank" theme="outer">`+
			`<b>%s</b><span class="Path-Separator" aria-hidden="true">›</span>%s/%d</a></div></div>`+
			`<button class="VanillaReact Extralinks Extralinks_hidden Extralinks_position_topRight Organic-Extralinks" aria-label="Действия" aria-description="Всплывающее меню"><span class="Icon2 Icon2_embed Icon2_size_16 Extralinks-Icon" aria-hidden="true"></span></button>`+
			`<div class="Organic-ContentWrapper"><div class="TextContainer OrganicText Typo Typo_text_m Typo_line_m"><span role="text" class="OrganicTextContentSpan">The %s about <b>%s</b>, result %d of this simulated engine.</span></div></div></div></li>`,
			cid, (cid+1)%10, esc(r.URL), esc(r.Title), esc(r.URL), h, w, r.Rank, w, eq, r.Rank)
		cid++
	}
	b.WriteString(`</ul>`)
	b.WriteString(`<div class="VanillaReact Related RelatedBottom"><h2 class="Related-Title">Вместе с этим ищут</h2><div class="Related-Items">`)
	for _, rq := range p.related() {
		fmt.Fprintf(&b, `<a class="Link Related-Button Typo Typo_text_m Typo_line_m Related-Button_icon_search" data-counter="[&quot;b&quot;]" href="%s" target="_self">`+
			`<div class="Related-ButtonText">%s <b>%s</b></div></a>`,
			esc("/search/?text="+url.QueryEscape(rq)+"&lr=87&rq=1"), esc(displayQuery(p.q)), esc(suffix(rq, p.q)))
	}
	b.WriteString(`</div></div>`)
	yandexPager(&b, p)
	b.WriteString(`</div></div></div></div></div></main></body></html>`)
	return b.String()
}

// yabsClick is a Yandex Direct click link, the only target a paid card gives away.
func yabsClick(seed uint64) string {
	return "https://yabs.yandex.ru/count/WdqejI_zO" + strconv.FormatUint(seed, 36) + "0000"
}

// yandexPager numbers pages from 1 on screen while p counts from 0.
func yandexPager(b *strings.Builder, p *serp) {
	b.WriteString(`<nav class="VanillaReact Pager Pager_cee" aria-labelledby="Pager"><h2 class="A11yHidden" id="Pager">Страницы результатов поиска</h2><div class="Pager-Content" role="list">`)
	last := (p.total + p.size - 1) / p.size
	for n := 1; n <= last; n++ {
		if n == p.pageNo() {
			fmt.Fprintf(b, `<div class="Pager-ListItem Pager-ListItem_type_page" role="listitem"><button aria-label="Текущая страница %d" type="button" class="Button Button_view_clear VanillaReact Pager-Item Pager-Item_type_page Pager-Item_current"><span class="Button-Text">%d</span></button></div>`, n, n)
			continue
		}
		fmt.Fprintf(b, `<div class="Pager-ListItem Pager-ListItem_type_page" role="listitem"><a aria-label="Страница %d" class="Button Button_view_clear Button_link VanillaReact Pager-Item Pager-Item_type_page" href="%s"><span class="Button-Text">%d</span></a></div>`,
			n, yandexHref(p.q, n-1), n)
	}
	if p.hasNext() {
		fmt.Fprintf(b, `<div class="Pager-ListItem Pager-ListItem_type_next" role="listitem"><a aria-label="Следующая страница" class="Button Button_view_clear Button_link VanillaReact Pager-Item Pager-Item_type_next" href="%s"><span class="Button-Text">дальше</span></a></div>`,
			yandexHref(p.q, p.pageNo()))
	}
	b.WriteString(`</div></nav>`)
}

func yandexEmpty(q string) string {
	var b strings.Builder
	b.WriteString(yandexHead(esc(q)+" — Яндекс: ничего не найдено", esc(q)))
	b.WriteString(`<div class="content__left" data-layout-part="cl"><div class="Root"><div class="EmptySearchResults"><div class="EmptySearchResults-Title">Ничего не нашли</div>` +
		`<div class="EmptySearchResults-Subtitle">Переформулируйте запрос или поищите что-нибудь ещё</div><ul class="EmptySearchResults-RecommendationList">`)
	for _, rec := range []string{"погода", "новости"} {
		fmt.Fprintf(&b, `<li class="EmptySearchResults-RecommendationListItem"><a class="Link Related-Button Typo Typo_text_m Typo_line_m Related-Button_icon_search EmptySearchResults-Recommendation" href="%s" target="_self"><div class="Related-ButtonText">%s</div></a></li>`,
			esc("/search?lr=87&rq=1&text="+url.QueryEscape(rec)), rec)
	}
	b.WriteString(`</ul></div></div></div></div></div></div></div></main></body></html>`)
	return b.String()
}

// yandexCaptcha is Yandex SmartCaptcha's checkbox page (/showcaptcha).
const yandexCaptcha = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Are you not a robot?</title></head><body class="pointerfocus"><div id="root"><div class="Theme Theme_color_yandex-default Theme_root_default"><main><div class="Container">
<form method="POST" action="/checkcaptcha?key=d783361c-sim&amp;retpath=https%3A%2F%2Fyandex.com%2Fsearch%2F" id="checkbox-captcha-form"><div class="Spacer"><h1 class="Text Text_weight_medium Text_typography_headline-s">Please confirm that you and not a robot are sending requests</h1></div>
<div class="Spacer"><span class="Text Text_weight_regular Text_typography_body-long-m">We're sorry, but it looks like requests sent from your device are automated.</span></div>
<div class="CheckboxCaptcha" data-testid="checkbox-captcha"><div class="CheckboxCaptcha-Inner"><div class="CheckboxCaptcha-Anchor"><input type="submit" id="js-button" class="CheckboxCaptcha-Button" aria-checked="false" role="checkbox" value=""/></div>
<div class="CheckboxCaptcha-Label"><span id="checkbox-label">I'm not a robot</span></div></div><div class="CaptchaLinks-Links"><a class="Link CaptchaLinks-ServiceLink" href="https://cloud.yandex.com/services/smartcaptcha">SmartCaptcha by Yandex Cloud</a></div></div>
<input type="hidden" name="rdata" value=""/></form></div></main></div></div></body></html>`

// yandexImagesPage is the images grid's page: 30, as the engine counts it.
const yandexImagesPage = 30

// yandexImages is yandex.com/images/search as archived pages of 2018 show it (and SearXNG's
// yandex images engine reads): div.serp-list with the pager in its data-bem, then
// div.serp-item cards whose data-bem JSON describes the image.
func yandexImages(p *serp) string {
	var b strings.Builder
	last := (p.total - 1) / p.size
	fmt.Fprintf(&b, `<html><head><title>Яндекс.Картинки</title></head><body><div class="serp-controller__content">`+
		`<div class="serp-list serp-list_type_search i-bem" data-bem='{"serp-list":{"pageNum":%d,"lastPage":%d}}' role="list">`, p.pageNo()-1, last)
	for i, r := range p.results {
		bem, _ := json.Marshal(map[string]any{"serp-item": map[string]any{
			"img_href": imageOf(r),
			"preview":  []map[string]any{{"url": imageOf(r), "w": imageWidth(r), "h": imageHeight(r)}},
			"thumb":    map[string]any{"url": fmt.Sprintf("//im0-tub-com.yandex.net/i?id=sim%d&n=13", r.Rank)},
			"snippet":  map[string]any{"title": r.Title, "url": r.URL, "domain": host(r)},
			"pos":      p.offset + i,
		}})
		fmt.Fprintf(&b, `<div class="serp-item serp-item_type_search serp-item_pos_%d i-bem" data-bem='%s'><a class="serp-item__link" href="/images/search?pos=%d"><img class="serp-item__thumb" src="//im0-tub-com.yandex.net/i?id=sim%d&amp;n=13"></a></div>`,
			p.offset+i, esc(string(bem)), p.offset+i, r.Rank)
	}
	b.WriteString(`</div></div></body></html>`)
	return b.String()
}

func yandexImagesEmpty(q string) string {
	return `<html><head><title>Яндекс.Картинки</title></head><body><div class="serp-controller__content"><div class="serp-controller__empty">Ничего не нашлось</div></div></body></html>`
}
