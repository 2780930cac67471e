package sim

// The pages served under /pages/, written in UTF-8 (pages.go encodes the legacy-charset ones).
// They are modelled on the markup real sites serve, chrome included: the scraper is judged on
// what it keeps and on what it drops.

const articlePage = `<!DOCTYPE html>
<html lang="en-GB" class="no-js">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rivers of the North: how meltwater is reshaping the tundra | The Northern Ledger</title>
<meta name="description" content="Satellite records and thirty years of gauge data show Arctic rivers carrying more water, earlier in the year.">
<meta name="author" content="Ingrid Solberg">
<meta name="robots" content="index, follow, max-image-preview:large">
<link rel="canonical" href="/news/2024/03/rivers-of-the-north">
<link rel="stylesheet" href="/static/css/main.3f9c2a.css">
<link rel="icon" href="/favicon.ico">
<meta property="og:type" content="article">
<meta property="og:title" content="Rivers of the North: how meltwater is reshaping the tundra">
<meta property="og:description" content="Arctic rivers now carry more water, earlier in the year, and the channels are moving.">
<meta property="og:url" content="https://northernledger.example/news/2024/03/rivers-of-the-north">
<meta property="og:image" content="https://cdn.northernledger.example/img/2024/03/tundra-river-1200.jpg">
<meta property="og:image:width" content="1200">
<meta property="og:image:height" content="630">
<meta property="og:site_name" content="The Northern Ledger">
<meta property="og:locale" content="en_GB">
<meta property="article:published_time" content="2024-03-18T09:30:00+00:00">
<meta property="article:modified_time" content="2024-03-19T14:05:00+00:00">
<meta property="article:author" content="https://northernledger.example/staff/ingrid-solberg">
<meta property="article:section" content="Science">
<meta property="article:tag" content="Climate">
<meta property="article:tag" content="Arctic">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:site" content="@northernledger">
<meta name="twitter:creator" content="@isolberg">
<meta name="twitter:title" content="Rivers of the North">
<meta name="twitter:image" content="https://cdn.northernledger.example/img/2024/03/tundra-river-1200.jpg">
<script type="application/ld+json">
{
  "@context": "https://schema.org",
  "@type": "NewsArticle",
  "headline": "Rivers of the North: how meltwater is reshaping the tundra",
  "datePublished": "2024-03-18T09:30:00+00:00",
  "dateModified": "2024-03-19T14:05:00+00:00",
  "author": [{"@type": "Person", "name": "Ingrid Solberg", "url": "https://northernledger.example/staff/ingrid-solberg"}],
  "publisher": {"@type": "NewsMediaOrganization", "name": "The Northern Ledger",
    "logo": {"@type": "ImageObject", "url": "https://cdn.northernledger.example/logo-600.png"}},
  "image": ["https://cdn.northernledger.example/img/2024/03/tundra-river-1200.jpg"],
  "mainEntityOfPage": "https://northernledger.example/news/2024/03/rivers-of-the-north"
}
</script>
<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
  {"@type": "ListItem", "position": 1, "name": "Science", "item": "https://northernledger.example/science"},
</script>
<style>
body{font-family:Georgia,serif;margin:0}.site-header{background:#0b2a3c;color:#fff}
.cookie-banner{position:fixed;bottom:0;left:0;right:0;background:#222;color:#eee;padding:1rem}
</style>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-NL0000001"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date()); gtag('config', 'G-NL0000001');
</script>
</head>
<body class="article-page section-science">
<div id="cookie-banner" class="cookie-banner" role="dialog" aria-label="Cookie consent">
  <p>We use cookies to personalise content and ads, to provide social media features and to analyse our traffic.
  You can change your choice at any time in <a href="/privacy#cookies">Privacy settings</a>.</p>
  <button type="button" class="cookie-accept">Accept all</button>
  <button type="button" class="cookie-reject">Reject non-essential</button>
</div>
<a class="skip-link" href="#main-content">Skip to content</a>
<header class="site-header">
  <div class="masthead">
    <a href="/" class="logo"><img src="/static/img/ledger-logo.svg" alt="The Northern Ledger"></a>
    <form class="search" action="/search" method="get"><input type="search" name="q" placeholder="Search"><button>Go</button></form>
  </div>
  <nav class="primary-nav" aria-label="Sections">
    <ul>
      <li><a href="/">Home</a></li>
      <li><a href="/world">World</a></li>
      <li><a href="/science" aria-current="page">Science</a></li>
      <li><a href="/climate">Climate</a></li>
      <li><a href="/opinion">Opinion</a></li>
    </ul>
  </nav>
</header>
<div class="ad-leaderboard" id="ad-top" data-ad-slot="top-728x90"><span>Advertisement</span></div>
<div class="layout">
<main id="main-content">
<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/">Home</a> › <a href="/science">Science</a> › Climate</nav>
<article class="story">
  <header class="story-header">
    <p class="kicker">Climate</p>
    <h1>Rivers of the North: how meltwater is reshaping the tundra</h1>
    <p class="byline">By <a href="/staff/ingrid-solberg" rel="author">Ingrid Solberg</a>, Science correspondent ·
      <time datetime="2024-03-18T09:30:00+00:00">18 March 2024</time></p>
  </header>
  <figure class="lead-image">
    <img src="../images/tundra-river.jpg" srcset="../images/tundra-river-640.jpg 640w, ../images/tundra-river-1200.jpg 1200w" alt="A braided river crossing the tundra in late spring" width="1200" height="675">
    <figcaption>A braided channel of the Kolyma basin in late May. Photo: <a href="https://photos.example.org/kolyma">Arctic Survey</a></figcaption>
  </figure>
  <div class="story-body">
    <p>The rivers that drain the Arctic tundra are carrying <strong>more water than at any time since records began</strong>, and they are carrying it earlier in the year. Thirty years of gauge readings, set beside satellite images of the spring break-up, show a system in motion.</p>
    <p>"We used to plan the spring survey for the second week of June," said Dr Mikkel Aas, a hydrologist at the <a href="https://polar-institute.example.org/">Polar Hydrology Institute</a>. "Now the ice is gone by the middle of May, and some of the channels we mapped in the nineties are simply not there any more."</p>
    <div class="ad-slot ad-inline" data-ad-slot="inline-300x250" id="ad-inline-1"><span class="ad-label">Advertisement</span><div class="adsbygoogle"></div></div>
    <h2>What the gauges say</h2>
    <p>The institute's stations measure discharge at the same cross-sections every year. The figures below compare the average of 1991–2000 with 2014–2023; a fuller series is in the <a href="/data/arctic-discharge.csv">open data set</a>.</p>
    <table class="data-table">
      <caption>Average annual discharge, cubic kilometres</caption>
      <thead>
        <tr><th>River</th><th>1991–2000</th><th>2014–2023</th><th>Change</th></tr>
      </thead>
      <tbody>
        <tr><td>Yenisei</td><td>603</td><td>652</td><td>+8.1%</td></tr>
        <tr><td>Lena</td><td>532</td><td>589</td><td>+10.7%</td></tr>
        <tr><td>Ob</td><td>402</td><td>421</td><td>+4.7%</td></tr>
        <tr><td>Kolyma</td><td>103</td><td>118</td><td>+14.6%</td></tr>
      </tbody>
    </table>
    <p>The increase is largest in the smallest basins, where permafrost thaw adds groundwater that used to stay frozen. The team publishes its processing code; the core of the trend calculation is short:</p>
    <pre><code class="language-python">import pandas as pd

def decadal_change(series: pd.Series) -> float:
    """Percent change between the 1991-2000 and 2014-2023 means."""
    early = series["1991":"2000"].mean()
    late = series["2014":"2023"].mean()
    return 100 * (late - early) / early
</code></pre>
    <h2>Channels on the move</h2>
    <p>Satellite images tell the second half of the story. Where the ground thaws, banks collapse and rivers cut new courses; in the Kolyma lowlands the team counted 214 channel shifts of more than fifty metres between 2000 and 2020.</p>
    <blockquote><p>The tundra is not a fixed landscape any more. It is being redrawn every spring.</p></blockquote>
    <p>The consequences reach well beyond the riverbanks:</p>
    <ul>
      <li>Fresh water entering the Arctic Ocean changes its salinity and circulation.</li>
      <li>Sediment and carbon released from thawed banks travel downstream.</li>
      <li>Winter roads that cross frozen rivers open later and close earlier.</li>
    </ul>
    <p>Read the institute's <a href="reports/2024-discharge.pdf">full report</a> or our earlier coverage of <a href="/news/2023/11/permafrost-roads">permafrost and the winter roads</a>.</p>
    <form class="newsletter" action="/newsletter/subscribe" method="post">
      <input type="hidden" name="source" value="article-inline">
      <input type="hidden" name="csrf_token" value="c2ltLXRva2VuLTAwMDE">
      <label>Get the Climate Brief every Friday <input type="email" name="email"></label>
      <button type="submit">Sign up</button>
    </form>
  </div>
  <footer class="story-footer">
    <p>Ingrid Solberg reported from Tromsø. Additional reporting by Jonas Berg.</p>
  </footer>
</article>
</main>
<aside class="sidebar" role="complementary">
  <section class="most-read">
    <h3>Most read</h3>
    <ol>
      <li><a href="/news/2024/03/aurora-forecast">Aurora forecast: the best nights of the season</a></li>
      <li><a href="/news/2024/03/ferry-timetable">Winter ferry timetable cut again</a></li>
      <li><a href="/news/2024/03/reindeer-count">Reindeer count rises for the third year</a></li>
    </ol>
  </section>
  <div class="ad-slot sidebar-ad" data-ad-slot="side-300x600">Advertisement — Visit Lofoten this summer</div>
</aside>
</div>
<footer class="site-footer" role="contentinfo">
  <nav aria-label="Footer"><a href="/about">About us</a> · <a href="/contact">Contact</a> · <a href="/privacy">Privacy</a> · <a href="mailto:tips@northernledger.example">Send us a tip</a> · <a href="javascript:window.print()">Print</a></nav>
  <p>© 2024 The Northern Ledger. All rights reserved.</p>
</footer>
<noscript><img src="https://pixel.example-analytics.com/p.gif?site=nl" width="1" height="1" alt=""></noscript>
<iframe src="https://www.youtube-nocookie.com/embed/abc123" title="Video player" hidden></iframe>
<script src="/static/js/app.8d1e4b.js" defer></script>
</body>
</html>
`

const docsPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Configuration — Quarry 2.4 documentation</title>
<meta name="description" content="Every setting of the Quarry command-line tool: files, environment variables and flags.">
<base href="/docs/v2/">
<link rel="canonical" href="configuration.html">
<link rel="stylesheet" href="_static/theme.css">
<script src="_static/searchtools.js"></script>
</head>
<body class="docs">
<div class="topbar"><a class="brand" href="index.html">Quarry</a> <span class="version">v2.4</span>
  <form class="search" action="search.html"><input type="text" name="q" aria-label="Search docs"></form>
</div>
<div class="wrapper">
<nav class="sidebar-nav" aria-label="Documentation">
  <p class="caption">Getting started</p>
  <ul>
    <li><a href="index.html">Overview</a></li>
    <li><a href="install.html">Installation</a></li>
    <li class="current"><a href="configuration.html">Configuration</a></li>
    <li><a href="commands.html">Commands</a></li>
    <li><a href="faq.html">FAQ</a></li>
  </ul>
</nav>
<main class="content" role="main">
<div class="document">
<h1 id="configuration">Configuration<a class="headerlink" href="#configuration" title="Permalink">¶</a></h1>
<div class="toc" role="navigation" aria-label="On this page">
  <p>On this page</p>
  <ul>
    <li><a href="#config-file">The configuration file</a></li>
    <li><a href="#environment">Environment variables</a></li>
    <li><a href="#precedence">Precedence</a></li>
  </ul>
</div>
<p>Quarry reads its settings from three places: a configuration file, environment variables and command-line flags. Every setting can be given in any of them; this page lists them all and explains which one wins.</p>
<h2 id="config-file">The configuration file<a class="headerlink" href="#config-file" title="Permalink">¶</a></h2>
<p>By default Quarry looks for <code>quarry.yaml</code> in the current directory, then in <code>$XDG_CONFIG_HOME/quarry/</code>. A minimal file names the source and the destination:</p>
<div class="highlight"><pre><code class="language-yaml">source:
  url: postgres://reader@db.internal:5432/sales
  tables: [orders, customers]
destination:
  path: ./exports
  format: parquet
</code></pre></div>
<div class="admonition note"><p class="admonition-title">Note</p>
<p>Paths in the file are relative to the file, not to the directory Quarry runs in.</p></div>
<h2 id="environment">Environment variables<a class="headerlink" href="#environment" title="Permalink">¶</a></h2>
<p>Each setting has an environment variable: its path in upper case, with dots as underscores and a <code>QUARRY_</code> prefix.</p>
<table class="docutils">
<thead><tr><th>Setting</th><th>Variable</th><th>Default</th></tr></thead>
<tbody>
<tr><td><code>source.url</code></td><td><code>QUARRY_SOURCE_URL</code></td><td>(none)</td></tr>
<tr><td><code>destination.path</code></td><td><code>QUARRY_DESTINATION_PATH</code></td><td><code>./out</code></td></tr>
<tr><td><code>destination.format</code></td><td><code>QUARRY_DESTINATION_FORMAT</code></td><td><code>csv</code></td></tr>
<tr><td><code>workers</code></td><td><code>QUARRY_WORKERS</code></td><td>4</td></tr>
</tbody>
</table>
<p>For example, to export as Parquet with eight workers:</p>
<pre><code class="language-bash">export QUARRY_DESTINATION_FORMAT=parquet
quarry export --workers 8
</code></pre>
<h2 id="precedence">Precedence<a class="headerlink" href="#precedence" title="Permalink">¶</a></h2>
<p>When a setting is given more than once, a flag beats an environment variable, which beats the file. Programs that embed Quarry get the same order from <code>config.Load</code>:</p>
<pre class="go"><code data-lang="go">cfg, err := config.Load(config.Options{
	File:   "quarry.yaml",
	Env:    os.Environ(),
	Flags:  os.Args[1:],
})
if err != nil {
	log.Fatal(err)
}
</code></pre>
<p>See <a href="commands.html#export">quarry export</a> for the flags of each command.</p>
</div>
<div class="prev-next"><a class="prev" href="install.html">← Installation</a> <a class="next" href="commands.html">Commands →</a></div>
</main>
</div>
<footer class="docs-footer"><p>© 2024 The Quarry authors. Built with Sphinx. <a href="https://github.com/quarry-example/quarry/edit/main/docs/configuration.rst">Edit this page</a></p></footer>
</body>
</html>
`

// cyrillicPage is served as windows-1251, declared only in the Content-Type header.
const cyrillicPage = `<!DOCTYPE html>
<html lang="ru">
<head>
<title>Морозы в Москве продлятся до конца недели — Городские новости</title>
<meta name="description" content="Синоптики обещают до минус двадцати градусов ночью и снег в выходные.">
<meta property="og:title" content="Морозы в Москве продлятся до конца недели">
<meta property="og:site_name" content="Городские новости">
</head>
<body>
<header class="top"><a href="/">Городские новости</a>
<nav><a href="/city">Город</a> | <a href="/weather">Погода</a> | <a href="/transport">Транспорт</a></nav></header>
<main>
<article>
<h1>Морозы в Москве продлятся до конца недели</h1>
<p class="meta">Анна Петрова, 15 января 2024</p>
<p>Аномальные холода, которые пришли в столицу в начале недели, сохранятся как минимум до воскресенья. По данным Гидрометцентра, ночью температура опустится до минус двадцати градусов, а днём будет держаться около минус пятнадцати.</p>
<p>Синоптики советуют одеваться теплее и по возможности пользоваться общественным транспортом: на дорогах ожидается гололедица. Городские службы перевели снегоуборочную технику на круглосуточный режим работы.</p>
<h2>Что ждёт в выходные</h2>
<p>В субботу ожидается небольшой снег, в воскресенье — облачность с прояснениями. Потепление, по прогнозу, начнётся только в середине следующей недели, когда столбик термометра поднимется до минус пяти.</p>
<ul>
<li>Пятница: -18 °C, ясно</li>
<li>Суббота: -16 °C, небольшой снег</li>
<li>Воскресенье: -14 °C, облачно</li>
</ul>
</article>
</main>
<footer><p>© Городские новости, 2024. Все права защищены.</p></footer>
</body>
</html>
`

// japanesePage is served as Shift_JIS, declared only by a <meta> that sits after more than
// 1024 bytes of head (past the HTML standard's prescan window, as on many real sites).
const japanesePage = `<!DOCTYPE html>
<html lang="ja">
<head>
<!-- ============================================================================
     サイト共通ヘッダー  テンプレート version 3.2
     このコメントはテンプレートの説明です。スタイルシートとスクリプトの読み込み順を
     変更しないでください。広告タグは必ずスクリプトの後に置いてください。
     ============================================================================ -->
<style>
body{font-family:"Hiragino Kaku Gothic ProN","Meiryo",sans-serif;line-height:1.8;margin:0;padding:0}
.header{background:#c00;color:#fff;padding:8px 16px}.header a{color:#fff;text-decoration:none}
.global-nav{display:flex;gap:12px;list-style:none;margin:0;padding:8px 16px;background:#eee}
.article{max-width:720px;margin:24px auto;padding:0 16px}.article h1{font-size:1.6em}
.article p{margin:0 0 1em}.footer{border-top:1px solid #ccc;padding:16px;font-size:.8em;color:#666}
.ranking{float:right;width:240px;margin-left:24px}.ranking ol{padding-left:1.2em}
</style>
<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">
<title>京都の紅葉、今年は例年より一週間遅く見頃に | 関西ニュース</title>
<meta name="description" content="気象台によると、京都市内の紅葉の見頃は十一月下旬になる見込みです。">
</head>
<body>
<div class="header"><a href="/">関西ニュース</a></div>
<ul class="global-nav"><li><a href="/news">ニュース</a></li><li><a href="/weather">天気</a></li><li><a href="/travel">旅行</a></li></ul>
<div class="article">
<h1>京都の紅葉、今年は例年より一週間遅く見頃に</h1>
<p class="date">2023年11月10日</p>
<p>京都地方気象台によりますと、今年は秋の気温が高い日が続いたため、京都市内の紅葉の色づきが例年より遅れています。見頃は十一月下旬になる見込みです。</p>
<p>嵐山や東福寺などの名所では、すでに多くの観光客が訪れていますが、木々の多くはまだ緑色のままです。観光協会は、週末の混雑を避けて平日に訪れるよう呼びかけています。</p>
<h2>主な名所の見頃予想</h2>
<ul>
<li>嵐山:十一月二十日ごろ</li>
<li>東福寺:十一月二十三日ごろ</li>
<li>清水寺:十一月二十五日ごろ</li>
</ul>
</div>
<div class="footer">Copyright (C) 関西ニュース All Rights Reserved.</div>
</body>
</html>
`

// chinesePage is served as GBK, declared by <meta charset="gb2312"> (the label WHATWG maps to
// GBK) with no charset in the header.
const chinesePage = `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="gb2312">
<title>北京今冬首场降雪 市民踏雪赏景_新闻中心</title>
<meta name="keywords" content="北京,降雪,天气">
<meta name="description" content="北京迎来今冬首场降雪,故宫、颐和园等景区银装素裹。">
</head>
<body>
<div class="nav"><a href="/">首页</a> | <a href="/news">新闻</a> | <a href="/weather">天气</a></div>
<div class="main">
<h1>北京今冬首场降雪 市民踏雪赏景</h1>
<p class="info">2023年12月11日 来源:新闻中心</p>
<p>十二月十一日,北京迎来今冬首场降雪。故宫、颐和园、天坛等景区银装素裹,吸引了大批市民和游客前来踏雪赏景。</p>
<p>气象部门提醒,降雪期间道路湿滑,请市民出行注意安全,尽量乘坐公共交通工具。预计降雪将持续到明天上午,最低气温零下十度。</p>
<h2>未来三天天气</h2>
<ul>
<li>周二:小雪,零下八度到零下一度</li>
<li>周三:晴,零下十度到零下二度</li>
<li>周四:多云,零下七度到一度</li>
</ul>
</div>
<div class="footer">版权所有 新闻中心</div>
</body>
</html>
`

// latin1Page is served as ISO-8859-1, declared in the Content-Type header.
const latin1Page = `<!DOCTYPE html>
<html lang="fr">
<head>
<title>Les marchés de Noël d'Alsace ouvrent leurs portes - Le Journal de l'Est</title>
<meta name="description" content="De Strasbourg à Colmar, les chalets accueillent les premiers visiteurs de la saison.">
</head>
<body>
<div id="menu"><a href="/">Accueil</a> · <a href="/region">Région</a> · <a href="/culture">Culture</a></div>
<div id="contenu">
<h1>Les marchés de Noël d'Alsace ouvrent leurs portes</h1>
<p><em>Publié le 24 novembre 2023 par Élise Müller</em></p>
<p>De Strasbourg à Colmar, les chalets en bois ont ouvert vendredi soir sous une fine pluie. Vin chaud, bredele et pain d'épices : les visiteurs étaient déjà nombreux à flâner entre les étals dès 18 heures.</p>
<p>« C'est la plus belle période de l'année », confie Françoise, qui tient depuis vingt ans un stand de décorations en paille. Les organisateurs attendent plus de deux millions de visiteurs d'ici à la fin décembre.</p>
<h2>Auf der anderen Seite des Rheins</h2>
<p>Auch in Freiburg und Baden-Baden öffnen die Weihnachtsmärkte. Die Stände mit Glühwein, gebrannten Mandeln und Lebkuchen locken Besucher aus der ganzen Region; größere Märkte schließen erst um 21 Uhr.</p>
</div>
<div id="pied">© Le Journal de l'Est · Tous droits réservés</div>
</body>
</html>
`

const weatherPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Tromsø weather today – Northern Skies Weather</title>
<meta name="description" content="Current conditions and the 5-day forecast for Tromsø, Norway.">
<meta property="og:title" content="Tromsø, Norway – weather now and next 5 days">
</head>
<body>
<header class="site"><a href="/" class="logo">Northern Skies</a>
<nav><a href="/maps">Maps</a> <a href="/warnings">Warnings</a> <a href="/cities">Cities</a></nav></header>
<div class="cookie-notice" id="consent">We use cookies for analytics. <button>OK</button></div>
<main>
<section class="current" data-city="Tromsø" data-updated="2024-01-23T14:00:00+01:00">
  <h1 class="location">Tromsø, Norway</h1>
  <p class="observed">Observed at <time datetime="2024-01-23T14:00:00+01:00">14:00</time></p>
  <div class="now">
    <span class="temp" title="Air temperature">−3 °C</span>
    <span class="feels">Feels like −9 °C</span>
    <span class="conditions">Light snow showers</span>
  </div>
  <dl class="details">
    <dt>Humidity</dt><dd class="humidity">87 %</dd>
    <dt>Wind</dt><dd class="wind">NW 14 km/h, gusts 31 km/h</dd>
    <dt>Pressure</dt><dd class="pressure">1 004 hPa</dd>
    <dt>Daylight</dt><dd class="daylight">3 h 41 min</dd>
  </dl>
  <p class="alert" data-level="yellow">Yellow warning: <a href="/warnings/troms-ice">icy roads</a> until Wednesday 09:00.</p>
</section>
<section class="forecast">
  <h2>Next 5 days</h2>
  <ul class="days">
    <li class="day"><span class="name">Wed</span> <span class="hi">−2°</span>/<span class="lo">−6°</span> Snow showers</li>
    <li class="day"><span class="name">Thu</span> <span class="hi">−4°</span>/<span class="lo">−9°</span> Clear</li>
    <li class="day"><span class="name">Fri</span> <span class="hi">−1°</span>/<span class="lo">−5°</span> Cloudy</li>
    <li class="day"><span class="name">Sat</span> <span class="hi">1°</span>/<span class="lo">−3°</span> Sleet</li>
    <li class="day"><span class="name">Sun</span> <span class="hi">0°</span>/<span class="lo">−4°</span> Snow</li>
  </ul>
</section>
</main>
<aside class="ad" id="ad-right">Advertisement</aside>
<footer><p>Data: Norwegian Meteorological Institute. © Northern Skies Weather</p></footer>
</body>
</html>
`

const productPage = `<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="utf-8">
<title>Aurora 14 Laptop – 14" 2.8K OLED, 32 GB RAM, 1 TB SSD | Fjord Electronics</title>
<meta name="description" content="The Aurora 14: a 1.2 kg laptop with a 2.8K OLED screen and 18 hours of battery.">
<link rel="canonical" href="https://shop.fjord.example/p/aurora-14?ref=canonical">
<meta property="og:type" content="product">
<meta property="og:title" content="Aurora 14 Laptop">
<meta property="og:image" content="/media/aurora-14/hero.jpg">
<meta property="product:price:amount" content="1299.00">
<meta property="product:price:currency" content="USD">
<script type="application/ld+json">
{"@context":"https://schema.org/","@type":"Product","name":"Aurora 14 Laptop","sku":"AUR14-32-1T",
 "brand":{"@type":"Brand","name":"Fjord"},
 "offers":{"@type":"Offer","price":"1299.00","priceCurrency":"USD","availability":"https://schema.org/InStock"},
 "aggregateRating":{"@type":"AggregateRating","ratingValue":"4.6","reviewCount":"1024"}}
</script>
</head>
<body>
<header><a href="/" class="logo">Fjord Electronics</a>
<nav class="mega-menu"><a href="/c/laptops">Laptops</a> <a href="/c/phones">Phones</a> <a href="/c/audio">Audio</a> <a href="/deals">Deals</a></nav>
<a href="/cart" class="cart">Cart (0)</a></header>
<nav class="breadcrumb"><a href="/">Home</a> / <a href="/c/laptops">Laptops</a> / Aurora 14</nav>
<main class="product" itemscope itemtype="https://schema.org/Product">
  <div class="gallery"><img src="/media/aurora-14/front.jpg" alt="Aurora 14, front view"><img src="/media/aurora-14/side.jpg" alt="Aurora 14, side view"></div>
  <div class="buy-box">
    <h1 class="product-title" itemprop="name">Aurora 14 Laptop</h1>
    <p class="sku">SKU: <span itemprop="sku">AUR14-32-1T</span></p>
    <div class="rating" itemprop="aggregateRating" itemscope itemtype="https://schema.org/AggregateRating">
      <span class="stars" aria-label="Rated 4.6 out of 5">★★★★½</span>
      <span class="rating-value"><span itemprop="ratingValue">4.6</span> out of 5</span>
      <a href="#reviews" class="review-count"><span itemprop="reviewCount">1,024</span> reviews</a>
    </div>
    <div class="price-block" itemprop="offers" itemscope itemtype="https://schema.org/Offer">
      <span class="price-was"><s>$1,499.00</s></span>
      <span class="price" itemprop="price" content="1299.00">$1,299.00</span>
      <link itemprop="availability" href="https://schema.org/InStock">
      <p class="stock in-stock" data-in-stock="true">In stock</p>
      <p class="delivery">Free delivery by <time datetime="2024-02-02">Friday 2 February</time></p>
    </div>
    <form class="add-to-cart" action="/cart/add" method="post">
      <input type="hidden" name="sku" value="AUR14-32-1T">
      <input type="hidden" name="token" value="c2ltLWNhcnQtdG9rZW4">
      <label>Quantity <select name="qty"><option>1</option><option>2</option><option>3</option></select></label>
      <button type="submit" class="btn-primary">Add to cart</button>
    </form>
  </div>
  <section class="description">
    <h2>Overview</h2>
    <p itemprop="description">The Aurora 14 weighs 1.2 kg and lasts up to 18 hours on a charge. Its 14-inch 2.8K OLED screen covers 100% of DCI-P3, and the aluminium body is milled from a single block.</p>
    <h2>Specifications</h2>
    <table class="specs">
      <tr><th>Processor</th><td>12-core, up to 5.0 GHz</td></tr>
      <tr><th>Memory</th><td>32 GB LPDDR5X</td></tr>
      <tr><th>Storage</th><td>1 TB NVMe SSD</td></tr>
      <tr><th>Display</th><td>14" 2880 × 1800 OLED, 120 Hz</td></tr>
      <tr><th>Weight</th><td>1.2 kg</td></tr>
    </table>
  </section>
  <section id="reviews" class="reviews">
    <h2>Customer reviews</h2>
    <article class="review"><p class="review-title">Light and fast</p><p>Battery easily lasts a working day. The screen is superb.</p><p class="reviewer">— Maja, 5 stars</p></article>
    <article class="review"><p class="review-title">Great, but warm</p><p>Gets warm under load; otherwise excellent.</p><p class="reviewer">— Tom, 4 stars</p></article>
  </section>
</main>
<aside class="recommendations"><h3>Customers also viewed</h3>
<a href="/p/aurora-16">Aurora 16</a> <a href="/p/fjord-dock">Fjord USB-C Dock</a></aside>
<footer><a href="/help">Help</a> <a href="/returns">Returns</a> <p>© Fjord Electronics</p></footer>
</body>
</html>
`

const jsonPage = `{"city":"Tromsø","country":"NO","observed":"2024-01-23T14:00:00+01:00","temperature_c":-3,"conditions":"Light snow showers","humidity":0.87,"wind":{"direction":"NW","speed_kmh":14,"gust_kmh":31},"forecast":[{"day":"Wed","hi":-2,"lo":-6},{"day":"Thu","hi":-4,"lo":-9}]}
`

const textPage = `QUARRY 2.4.0 RELEASE NOTES
==========================

Released 2024-02-12.

New
  * Parquet export writes row groups of 128 MiB by default.
  * "quarry export --resume" continues an interrupted export.

Fixed
  * Environment variables with empty values no longer override the file.
  * Exports of tables with more than 2^31 rows report progress correctly.

Upgrading: no configuration changes are needed. See https://quarry.example/docs/v2/
`

const xhtmlPage = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" "http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="de" lang="de">
<head>
<title>Fahrplanänderung ab 10. Dezember</title>
<meta name="description" content="Neue Verbindungen und geänderte Abfahrtszeiten im Regionalverkehr."/>
<link rel="canonical" href="/pages/xhtml"/>
</head>
<body>
<div id="kopf"><a href="/">Verkehrsverbund Nord</a></div>
<div id="inhalt">
<h1>Fahrplanänderung ab 10. Dezember</h1>
<p>Mit dem Fahrplanwechsel am 10. Dezember fahren die Regionalzüge zwischen Kiel und Lübeck <strong>alle 30 Minuten</strong>.<br/>
Die letzte Verbindung verlässt Kiel künftig um 23:42 Uhr.</p>
<p><img src="bilder/netzplan.png" alt="Netzplan 2024"/></p>
<h2><a id="aenderungen"/>Änderungen im Überblick</h2>
<ul>
<li>RE 83: neue Halte in Preetz und Plön</li>
<li>RB 84: Abfahrt jeweils zwei Minuten früher</li>
</ul>
<p>Alle Änderungen stehen im <a href="downloads/fahrplan-2024.pdf">Fahrplanheft</a>.</p>
</div>
</body>
</html>
`

// challengePage is Cloudflare's managed challenge as served in 2024-25 (status 403 with
// cf-mitigated: challenge), with made-up ray and tokens.
const challengePage = `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><meta http-equiv="X-UA-Compatible" content="IE=Edge"><meta name="robots" content="noindex,nofollow"><meta name="viewport" content="width=device-width,initial-scale=1"><style>*{box-sizing:border-box;margin:0;padding:0}html{line-height:1.15;-webkit-text-size-adjust:100%;color:#313131;font-family:system-ui,-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}body{display:flex;flex-direction:column;height:100vh;min-height:100vh}.main-content{margin:8rem auto;max-width:60rem;padding-left:1.5rem}.h2{font-size:1.5rem;font-weight:500;line-height:2.25rem}@media (prefers-color-scheme:dark){body{background-color:#222;color:#d9d9d9}}</style><meta http-equiv="refresh" content="390"></head><body class="no-js"><div class="main-wrapper" role="main"><div class="main-content"><noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div></noscript></div></div><script>(function(){window._cf_chl_opt={cvId: '3',cZone: "shop.example",cType: 'managed',cRay: '8f3a1c2d4e5b6a79',cH: 'c2ltdWxhdGVkLWNoYWxsZW5nZS1oYXNoLTAwMDE-1738000000-1.2.1.1-c2ltdWxhdGVk',cUPMDTk: "\/?__cf_chl_tk=c2ltdWxhdGVkLXRva2Vu-1738000000-1.0.1.1-c2ltdWxhdGVk",cFPWv: 'b',cITimeS: '1738000000',cTTimeMs: '1000',cMTimeMs: '390000',cTplC: 0,cTplV: 5,cTplB: 'cf',cK: "",fa: "\/?__cf_chl_f_tk=c2ltdWxhdGVkLXRva2Vu-1738000000-1.0.1.1-c2ltdWxhdGVk",md: "c2ltdWxhdGVkLW1k",mdrd: "c2ltdWxhdGVkLW1kcmQ"};var cpo=document.createElement('script');cpo.src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=8f3a1c2d4e5b6a79';window._cf_chl_opt.cOgUHash=location.hash===''&&location.href.indexOf('#')!==-1?'#':location.hash;window._cf_chl_opt.cOgUQuery=location.search===''&&location.href.slice(0,location.href.length-window._cf_chl_opt.cOgUHash.length).indexOf('?')!==-1?'?':location.search;if(window.history&&window.history.replaceState){var ogU=location.pathname+window._cf_chl_opt.cOgUQuery+window._cf_chl_opt.cOgUHash;history.replaceState(null,null,"\/?__cf_chl_rt_tk=c2ltdWxhdGVkLXRva2Vu-1738000000-1.0.1.1-c2ltdWxhdGVk"+window._cf_chl_opt.cOgUHash);cpo.onload=function(){history.replaceState(null,null,ogU);}}document.getElementsByTagName('head')[0].appendChild(cpo);}());</script></body></html>`
