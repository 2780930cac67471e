// The official MCP TypeScript SDK's client against trawl's MCP server: streamable HTTP at /mcp,
// and stdio through `trawl mcp` pointed at the running trawl.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { startTrawl, binary, KEY } from "./trawl.mjs";

let trawl;
before(async () => {
  trawl = await startTrawl();
});
after(() => trawl?.stop());

async function exercise(client) {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ["get_search", "scrape", "search"]);
  const search = tools.find((t) => t.name === "search");
  assert.deepEqual(search.inputSchema.required, ["q"]);
  assert.equal(search.inputSchema.properties.page.type, "integer");

  const r = await client.callTool({ name: "search", arguments: { q: "golang", engine: "google" } });
  assert.ok(!r.isError, JSON.stringify(r));
  assert.ok(r.structuredContent.organic_results.length > 0);
  assert.match(r.content[0].text, /1\. golang/);

  const s = await client.callTool({ name: "scrape", arguments: { url: trawl.sim + "/pages/article" } });
  assert.ok(!s.isError, JSON.stringify(s));
  assert.match(s.structuredContent.markdown, /^# /);
  assert.match(s.content[0].text, /Source: /);

  const bad = await client.callTool({ name: "search", arguments: { q: "golang", engine: "altavista" } });
  assert.equal(bad.isError, true);
  assert.match(bad.content[0].text, /400 validation/);
  return r.structuredContent.search_metadata.id;
}

test("streamable HTTP at /mcp, with the key as a header", async () => {
  const transport = new StreamableHTTPClientTransport(new URL(trawl.base + "/mcp"), {
    requestInit: { headers: { Authorization: "Bearer " + KEY } },
  });
  const client = new Client({ name: "trawl-test", version: "1.0.0" });
  await client.connect(transport);
  await exercise(client);
  await client.close();
});

test("streamable HTTP without a key: the tool call is refused", async () => {
  const client = new Client({ name: "trawl-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(trawl.base + "/mcp")));
  const r = await client.callTool({ name: "search", arguments: { q: "golang" } });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /401 unauthorized/);
  await client.close();
});

test("stdio through trawl mcp", async () => {
  const transport = new StdioClientTransport({
    command: binary(),
    args: ["mcp", "--url", trawl.base],
    env: { ...process.env, TRAWL_API_KEY: KEY },
    stderr: "pipe",
  });
  const client = new Client({ name: "trawl-test", version: "1.0.0" });
  await client.connect(transport);
  await exercise(client);
  await client.close();
});

test("get_search reads a search back", async () => {
  const client = new Client({ name: "trawl-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(trawl.base + "/mcp"), {
    requestInit: { headers: { Authorization: "Bearer " + KEY } },
  }));
  const r = await client.callTool({ name: "search", arguments: { q: "kept" } });
  const id = r.structuredContent.search_metadata.id;
  const g = await client.callTool({ name: "get_search", arguments: { id } });
  assert.ok(!g.isError, JSON.stringify(g));
  assert.equal(g.structuredContent.search_metadata.id, id);
  await client.close();
});
