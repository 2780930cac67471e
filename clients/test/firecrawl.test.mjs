// Firecrawl's JS SDK (v2 client and the v1 one it still ships) against trawl's Firecrawl dialect.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import Firecrawl, { FirecrawlAppV1 } from "@mendable/firecrawl-js";
import { startTrawl, KEY } from "./trawl.mjs";

let trawl, v2, v1;
before(async () => {
  trawl = await startTrawl();
  v2 = new Firecrawl({ apiKey: KEY, apiUrl: trawl.base + "/firecrawl" });
  v1 = new FirecrawlAppV1({ apiKey: KEY, apiUrl: trawl.base + "/firecrawl" });
});
after(() => trawl?.stop());

test("v2 scrape: markdown, html, links and metadata", async () => {
  const url = trawl.sim + "/pages/article";
  const doc = await v2.scrape(url, { formats: ["markdown", "html", "links"], onlyMainContent: true });
  assert.match(doc.markdown, /^# /);
  assert.match(doc.html, /<p>/);
  assert.ok(doc.links.length > 0 && typeof doc.links[0] === "string");
  assert.equal(doc.metadata.sourceURL, url);
  assert.equal(doc.metadata.statusCode, 200);
  assert.ok(doc.metadata.title);
  assert.match(doc.metadata.contentType, /text\/html/);
});

test("v2 search: data.web", async () => {
  const res = await v2.search("golang", { limit: 3 });
  assert.equal(res.web.length, 3);
  assert.ok(res.web[0].url.startsWith("http") && res.web[0].title && res.web[0].description);
});

test("v2 search with scrapeOptions scrapes each result", async () => {
  // The simulator's results point at example.com, which a scrape may not reach from here:
  // each result keeps its title and description, as Firecrawl's does when a scrape fails.
  const res = await v2.search("golang", { limit: 2, scrapeOptions: { formats: ["markdown"] } });
  assert.equal(res.web.length, 2);
});

test("v2 errors: {success:false, error} with the status", async () => {
  await assert.rejects(v2.scrape("file:///etc/passwd"), (e) => e.status === 400 && /scheme/.test(e.message));
  await assert.rejects(v2.scrape(trawl.sim + "/pages/article", { formats: ["screenshot"] }), (e) => e.status === 400 && /screenshot/.test(e.message));
  const anon = new Firecrawl({ apiKey: "wrong", apiUrl: trawl.base + "/firecrawl" });
  await assert.rejects(anon.search("golang"), (e) => e.status === 401);
});

test("v1 scrapeUrl and search", async () => {
  const doc = await v1.scrapeUrl(trawl.sim + "/pages/article", { formats: ["markdown"] });
  assert.equal(doc.success, true);
  assert.match(doc.markdown, /^# /);
  const res = await v1.search("golang", { limit: 4 });
  assert.equal(res.success, true);
  assert.equal(res.data.length, 4);
  assert.ok(res.data[0].url && res.data[0].title);
});
