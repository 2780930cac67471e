package sim

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// baidu is www.baidu.com/s (2025-2026 layout): the cards of #content_left, web results as
// div.result tpl=www_index naming their target in mu while their links go through the
// opaque www.baidu.com/link?url= redirect, the AI answer card (tpl=wenda_generate), an
// EC_result ad labelled 广告, the related searches (#rs_new) and the #page pager.
var baidu = &engine{
	name:    "baidu",
	paths:   []string{"/s"},
	query:   "wd",
	salt:    4,
	window:  offsetWindow("pn", "rn", 0),
	results: baiduResults,
	empty:   baiduEmpty,
	captcha: baiduCaptcha,
	title:   func(q string) string { return q + "_百度搜索" },
}

func baiduHead(eq string) string {
	return `<!DOCTYPE html><html><head><meta http-equiv="content-type" content="text/html;charset=utf-8"><title>` + eq + `_百度搜索</title></head>` +
		`<body class="cos-pc home-index-middle pc-fresh-wrapper"><div id="wrapper" class="wrapper_new search-box-new wrapper_s">` +
		`<div id="head"><form id="form" name="f" action="/s" class="fm"><input id="kw" name="wd" class="s_ipt" value="` + eq + `" maxlength="255" autocomplete="off"></form></div>` +
		`<div id="wrapper_wrapper"><div id="container" class="sam_newgrid container_s" data-w="1280">`
}

// baiduLink is the opaque redirect Baidu puts on every result link.
func baiduLink(seed uint64, n int) string {
	return "http://www.baidu.com/link?url=" + strconv.FormatUint(seed, 36) + strconv.Itoa(n) + "_sim"
}

func baiduHref(q string, pn int) string {
	return esc("/s?wd=" + url.QueryEscape(q) + "&pn=" + strconv.Itoa(pn) + "&oq=" + url.QueryEscape(q) + "&ie=utf-8&usm=2")
}

func baiduResults(p *serp) string {
	var b strings.Builder
	eq := p.eq()
	b.WriteString(baiduHead(eq))
	b.WriteString(`<div id="tsn_inner"><div class="head_nums_cont_outer"><span class="hint_PIwZX c_font_2AD7M">百度为您找到以下结果</span></div></div>`)
	b.WriteString(`<div id="content_left">`)
	if p.first() {
		fmt.Fprintf(&b, `<div class="result-op c-container new-pmd" srcid="wenda_generate" tpl="wenda_generate" mu="https://chat.baidu.com/" m-name="mirror-san/app/wenda_generate/result_sim" data-click="{&quot;p1&quot;:1,&quot;fm&quot;:&quot;alop&quot;}">`+
			`<div class="cosc-card"><div class="cosc-card-content"><div class="cosc-card-header"><div class="cos-flex">百度AI助手为您总结全网12篇结果</div></div>`+
			`<div class="cosd-markdown cosd-markdown-content"><p class="marklang-paragraph">%s是这个模拟搜索引擎在结果上方直接回答的话题。</p>`+
			`<p class="marklang-paragraph">每一页结果都由查询生成。</p></div></div></div></div>`, esc(displayQuery(p.q)))
		fmt.Fprintf(&b, `<div class="result c-container new-pmd EC_result" id="3001" tpl="se_com_default" mu="%s" data-tuiguang="%x">`+
			`<h3 class="t c-title"><a href="%s" target="_blank">购买%s - Example Shop</a></h3>`+
			`<div class="c-abstract">为%s投放的广告。</div><div class="c-row"><span class="c-showurl">shop.example.com</span><span class="ec-tuiguang ecfc-tuiguang">广告</span></div></div>`,
			esc(adTarget("baidu", p.q)), p.seed%0xffffff, esc("https://www.baidu.com/baidu.php?url="+strconv.FormatUint(p.seed, 36)), eq, eq)
	}
	for _, r := range p.results {
		w, h := p.word(r), host(r)
		fmt.Fprintf(&b, `<div class="result c-container xpath-log new-pmd" srcid="1599" id="%d" tpl="www_index" mu="%s" data-click="{&quot;p1&quot;:%d,&quot;fm&quot;:&quot;as&quot;}">`+
			`<div class="_aladdin_1q9is_1 aladdin_7vNuJ"><div class="_content-border_1q9is_4"><div class="_content_1q9is_4"><div class="title-wrapper_6E6PV"><div class="title-box_4YBsj">`+
			`<h3 class="t _sc-title_10ku5_63 title_2X7ZC struct-title_2gZl4"><a class="sc-link _link_1iyz5_2 -v-color-primary block" data-module="title" href="%s" target="_blank">`+
			`<div><div class="_no-spacing_10ku5_31"><p class="_paragraph_10ku5_2 cu-line-clamp-default cu-line-clamp-1 md sc-paragraph"><span><span class="tts-b-hl">%s</span></span></p></div></div></a></h3></div></div>`+
			`<div class="cos-row" data-sanssr-cmpt="card/www-summary"><div class="cos-col"><div url="" class="content-gap_3jlQr" data-module="abstract"><div class="c-color summary-gap_3Jb4I" role="text">`+
			`<div class="cu-line-clamp-2"><span class="summary-text_560AW">The %s about <em>%s</em>, result %d of this simulated engine.</span></div></div></div></div></div>`+
			`<div class="cos-row source_1Vdff"><a class="siteLink_9TPP3" href="%s" target="_blank"><span class="cosc-source-text cos-line-clamp-1">%s</span></a></div>`+
			`</div></div></div></div>`,
			r.Rank, esc(r.URL), r.Rank, esc(baiduLink(p.seed, r.Rank)), esc(r.Title), w, eq, r.Rank, esc(baiduLink(p.seed, r.Rank)), h)
	}
	b.WriteString(`</div>`)
	b.WriteString(`<div class="result-molecule new-pmd" tpl="app/rs"><div id="rs_new" class="rs-normal-width_2T91A result-op pc-rs-upgrade_3SRoo" srcid="rs" tpl=""><div>` +
		`<div class="c-color-t rs-label_ihUhK">相关搜索</div><table cellpadding="0" cellspacing="0" class="rs-table_3RiQc"><tbody>`)
	for i, rq := range p.related() {
		if i%2 == 0 {
			b.WriteString(`<tr class="rs-row_3MUyW">`)
		}
		fmt.Fprintf(&b, `<td class="rs-col_8Qlx-"><a class="rs-link_2DE3Q c-line-clamp1 c-color-link cos-font-medium" href="%s" target="_self" title="%s">`+
			`<span class="rs-icon_2G4l-"></span><span class="rs-text_3K5mR rs-text-len_1wv3h">%s</span></a></td>`,
			esc("/s?wd="+url.QueryEscape(rq)+"&rsf=100633403&rsp="+strconv.Itoa(i)+"&f=1&rs_src=0"), esc(rq), esc(rq))
		if i%2 == 1 {
			b.WriteString(`</tr>`)
		}
	}
	b.WriteString(`</tbody></table></div></div></div>`)
	baiduPager(&b, p)
	b.WriteString(`</div></div></div></body></html>`)
	return b.String()
}

func baiduPager(b *strings.Builder, p *serp) {
	b.WriteString(`<div id="page" class="page_2muyV page-sample"><div class="page-inner_2jZi2">`)
	if p.pageNo() > 1 {
		fmt.Fprintf(b, `<a class="n" href="%s"><span class="n-word_1TXWP">&lt; 上一页</span></a>`, baiduHref(p.q, p.offset-p.size))
	}
	last := (p.total + p.size - 1) / p.size
	for n := 1; n <= last; n++ {
		if n == p.pageNo() {
			fmt.Fprintf(b, `<strong><span class="page-item_M4MDr pc">%d</span></strong>`, n)
			continue
		}
		fmt.Fprintf(b, `<a href="%s"><span class="page-item_M4MDr pc">%d</span></a>`, baiduHref(p.q, (n-1)*p.size), n)
	}
	if p.hasNext() {
		fmt.Fprintf(b, `<a class="n" href="%s"><span class="n-word_1TXWP">下一页 &gt;</span></a>`, baiduHref(p.q, p.offset+p.size))
	}
	b.WriteString(`</div></div>`)
}

func baiduEmpty(q string) string {
	return baiduHead(esc(q)) + `<div class="content_none"><div class="nors"><p>抱歉，未找到相关结果。</p><br/><div class="tip_head">温馨提示：</div>` +
		`<ul><li>请检查您的输入是否正确</li><li>如网页未收录或者新站未收录，请<a href="https://ziyuan.baidu.com/linksubmit/url" target="_blank">提交网址</a>给我们</li></ul></div><br clear="all"/></div>` +
		`</div></div></div></body></html>`
}

// baiduCaptcha is Baidu's security verification (百度安全验证) page with its rotate-the-image
// challenge.
const baiduCaptcha = `<html lang="zh-CN"><head><meta charset="utf-8"><title>百度安全验证</title></head><body>
<div class="timeout hide-callback"><div class="timeout-img"></div><div class="timeout-title">网络不给力，请稍后重试</div><button type="button" class="timeout-button">返回首页</button></div>
<div class="passMod_dialog-wrapper passMod_show"><div class="passMod_dialog-mask"></div><div class="passMod_dialog-container"><div class="passMod_dialog-header"><p>百度安全验证</p></div>
<div class="passMod_dialog-body"><div class="passMod_code-container"><div class="passMod_verify-item passMod_spin-wrapper" id="spin-0"><div class="passMod_spin-tip">请完成下方验证后继续操作</div>
<div class="passMod_spin-footer"><div class="passMod_slide-control"><p class="passMod_slide-tip">拖动左侧滑块使图片为正</p><div class="passMod_slide-btn"></div></div></div></div></div></div>
<div class="passMod_dialog-footer"><p><a class="passMod_dialog-footer-feedback" target="_blank" href="https://www.baidu.com/">意见反馈</a></p></div></div></div></body></html>`
