// LangChain's SearxngSearch and @agentic/searxng against trawl's SearXNG dialect.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import ky from "ky";
import { SearxngSearch } from "@langchain/community/tools/searxng_search";
import { SearxngClient } from "@agentic/searxng";
import { startTrawl, KEY } from "./trawl.mjs";

let trawl;
before(async () => {
  delete process.env.SEARXNG_API_BASE; // it would win over apiBase
  trawl = await startTrawl();
});
after(() => trawl?.stop());

test("LangChain SearxngSearch (apiBase, POST with an empty body) on /searxng", async () => {
  const tool = new SearxngSearch({ apiBase: trawl.base + "/searxng", params: { engines: "google,bing" }, headers: { "X-API-Key": KEY } });
  const out = await tool.invoke("golang");
  const first = JSON.parse(out.split("},")[0] + "}");
  assert.ok(first.title.includes("golang") && first.link.startsWith("http") && first.snippet);
});

test("LangChain SearxngSearch on the bare base URL (/search with format)", async () => {
  const tool = new SearxngSearch({ apiBase: trawl.base, headers: { Authorization: "Bearer " + KEY } });
  assert.match(await tool.invoke("golang"), /"link":"http/);
});

test("LangChain SearxngSearch without a key fails", async () => {
  const tool = new SearxngSearch({ apiBase: trawl.base + "/searxng" });
  await assert.rejects(tool.invoke("golang"), /Unauthorized/);
});

test("@agentic/searxng search", async () => {
  const client = new SearxngClient({ apiBaseUrl: trawl.base + "/searxng", ky: ky.extend({ headers: { "X-API-Key": KEY } }) });
  const res = await client.search({ query: "golang", engines: ["duckduckgo", "google"] });
  assert.equal(res.query, "golang");
  assert.ok(res.results.length >= 10);
  const r = res.results[0];
  assert.ok(r.url.startsWith("http") && r.title && r.content);
  assert.ok(Array.isArray(res.suggestions));
});

test("SearXNG JSON: engines, unresponsive engines, categories, config", async () => {
  const get = async (qs) => {
    const r = await fetch(`${trawl.base}/searxng/search?${qs}`, { headers: { "X-API-Key": KEY } });
    return { status: r.status, body: await r.json() };
  };
  const ok = await get("q=golang&format=json&engines=bing&pageno=2&safesearch=2&language=en-US");
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body.results[0].engines, ["bing"]);
  assert.equal(ok.body.results[0].positions[0], 11);
  const images = await get("q=golang&format=json&categories=images");
  assert.equal(images.body.results.length, 0);
  assert.match(images.body.unresponsive_engines[0][1], /not served/);
  const unknown = await get("q=golang&format=json&engines=google,wolframalpha");
  assert.deepEqual(unknown.body.unresponsive_engines, [["wolframalpha", "unknown engine"]]);
  assert.ok(unknown.body.results.length > 0);
  const bad = await get("q=golang&format=yaml");
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /format/);
  const cfg = await (await fetch(`${trawl.base}/searxng/config`)).json();
  assert.ok(cfg.engines.some((e) => e.name === "google"));
  assert.deepEqual(cfg.categories, ["general"]);
});

test("SearXNG csv and rss", async () => {
  const csv = await (await fetch(`${trawl.base}/searxng/search?q=golang&format=csv&engines=google`, { headers: { "X-API-Key": KEY } })).text();
  assert.match(csv, /^title,url,content,host,engine,score,type\n/);
  const rss = await (await fetch(`${trawl.base}/searxng/search?q=golang&format=rss&engines=google`, { headers: { "X-API-Key": KEY } })).text();
  assert.match(rss, /<rss version="2.0">/);
});

test("a blocked engine is named, not silently empty", async () => {
  const blocked = await startTrawl(["--sim-captcha-rate", "1", "--fetch-attempts", "1"]);
  try {
    const r = await fetch(`${blocked.base}/searxng/search?q=golang&format=json&engines=google`, { headers: { "X-API-Key": KEY } });
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.results.length, 0);
    assert.deepEqual(body.unresponsive_engines, [["google", "CAPTCHA"]]);
  } finally {
    await blocked.stop();
  }
});
