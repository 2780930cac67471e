// SerpApi's official JS package and LangChain's SerpAPI tool against trawl's SerpApi dialect.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { config, getJson, getHtml, getJsonBySearchId, getAccount } from "serpapi";
import { SerpAPI } from "@langchain/community/tools/serpapi";
import { startTrawl, KEY } from "./trawl.mjs";

let trawl;

// serpapi sends every request with https.get to serpapi.com:443; its documented way in is
// requestOptions (its README: a proxy agent). This agent connects to trawl instead, in
// plain HTTP, as a forward proxy to a self-hosted trawl would.
class TrawlAgent extends http.Agent {
  constructor(base) {
    super();
    const u = new URL(base);
    this.target = { host: u.hostname, port: Number(u.port) };
  }
  createConnection(_options, _cb) {
    return net.connect(this.target.port, this.target.host);
  }
}

before(async () => {
  trawl = await startTrawl();
  config.api_key = KEY;
  config.requestOptions = { protocol: "http:", agent: new TrawlAgent(trawl.base) };
});
after(() => trawl?.stop());

test("serpapi getJson: a Google search in SerpApi's fields", async () => {
  const r = await getJson({ engine: "google", q: "coffee" });
  assert.equal(r.search_metadata.status, "Success");
  assert.match(r.search_metadata.json_endpoint, /\/searches\/.+\.json$/);
  assert.ok(r.organic_results.length >= 5, "organic results");
  const first = r.organic_results[0];
  assert.equal(first.position, 1);
  assert.ok(first.title && first.link.startsWith("http") && first.snippet);
  assert.equal(r.search_parameters.engine, "google");
  assert.equal(r.search_parameters.q, "coffee");
  assert.equal(r.search_parameters.api_key, undefined, "the key is never echoed");
  assert.ok(!JSON.stringify(r).includes(KEY), "the key appears nowhere in the answer");
  assert.ok(r.serpapi_pagination.next.includes("start=10"));
});

test("serpapi getJson: engines page in their own terms", async () => {
  const bing = await getJson("bing", { q: "coffee", first: 11, count: 10 });
  assert.equal(bing.organic_results[0].position, 11);
  const google = await getJson("google", { q: "coffee", start: 10 });
  assert.equal(google.organic_results[0].position, 11);
  assert.equal(google.serpapi_pagination.current, 2);
  const ddg = await getJson("duckduckgo", { q: "coffee", kl: "us-en" });
  assert.ok(ddg.organic_results.length > 0);
  const yandex = await getJson("yandex", { text: "coffee" });
  assert.equal(yandex.search_parameters.text, "coffee");
  assert.ok(yandex.organic_results.length > 0);
});

test("serpapi: errors are SerpApi's {error} with its status codes", async () => {
  const bad = async (params) => {
    try {
      await getJson(params);
    } catch (body) {
      return JSON.parse(body);
    }
    assert.fail("no error");
  };
  assert.match((await bad({ engine: "google", q: "x", api_key: "wrong" })).error, /Invalid API key/);
  assert.match((await bad({ engine: "google", q: "" })).error, /Missing query `q` parameter/);
  assert.match((await bad({ engine: "youtube", q: "x" })).error, /Unsupported `youtube` search engine/);
});


test("serpapi getJsonBySearchId and getHtmlBySearchId read the archive", async () => {
  const r = await getJson({ engine: "google", q: "archive me" });
  const again = await getJsonBySearchId(r.search_metadata.id);
  assert.equal(again.search_metadata.id, r.search_metadata.id);
  assert.deepEqual(again.organic_results, r.organic_results);
  const html = await getHtml({ engine: "google", q: "archive me" });
  assert.match(html, /<html/i);
});

test("serpapi async=true answers Processing, then the archive has it", async () => {
  const r = await getJson({ engine: "google", q: "later", async: true });
  assert.equal(r.search_metadata.status, "Processing");
  let done;
  for (let i = 0; i < 100 && done?.search_metadata.status !== "Success"; i++) {
    await new Promise((r) => setTimeout(r, 50));
    done = await getJsonBySearchId(r.search_metadata.id);
  }
  assert.ok(done.organic_results.length > 0);
});

test("serpapi getAccount: the tenant's figures", async () => {
  const a = await getAccount();
  assert.equal(a.account_email, "clients");
  assert.equal(typeof a.this_month_usage, "number");
  assert.equal(typeof a.plan_searches_left, "number");
});

test("LangChain SerpAPI tool (baseUrl) reads trawl", async () => {
  const tool = new SerpAPI(KEY, { engine: "google" }, trawl.base);
  const out = await tool.invoke("golang");
  assert.equal(typeof out, "string");
  assert.match(out, /golang/);
  const bing = new SerpAPI(KEY, { engine: "bing" }, trawl.base + "/serpapi");
  assert.match(await bing.invoke("golang"), /golang/);
  await assert.rejects(new SerpAPI("wrong", {}, trawl.base).invoke("golang"), /Got error from serpAPI: Invalid API key/);
});
