// Starts a real `trawl demo` (every engine and the pages to scrape simulated, offline) on free
// ports with a keys file, for the client packages to be pointed at by base URL only.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const KEY = "client-test-key";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

// binary is TRAWL_BIN (scripts/test builds it once), or one built here.
export function binary() {
  if (process.env.TRAWL_BIN) return process.env.TRAWL_BIN;
  const out = join(repo, "clients", ".bin", "trawl");
  if (!existsSync(out)) {
    execFileSync("go", ["build", "-o", out, "./cmd/trawl"], { cwd: repo, stdio: "inherit" });
  }
  return out;
}

// startTrawl runs `trawl demo` and resolves once it serves: { base, sim, stop }.
export async function startTrawl(extraArgs = []) {
  const dir = mkdtempSync(join(tmpdir(), "trawl-clients-"));
  const keys = join(dir, "keys.json");
  writeFileSync(keys, JSON.stringify({ tenants: [{ name: "clients", keys: [KEY] }] }));
  const proc = spawn(binary(), ["demo", "--http-addr", "127.0.0.1:0", "--sim-addr", "127.0.0.1:0",
    "--nats-listen", "off", "--keys-file", keys, "--sim-latency", "2ms", "--log-level", "warn", ...extraArgs],
    { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  const ready = new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error("trawl demo did not start:\n" + log)), 30000);
    proc.stderr.setEncoding("utf8");
    proc.stderr.on("data", (chunk) => {
      log += chunk;
      // The demo's banner names both addresses: the API's and the simulator's pages.
      const m = log.match(/curl -s 'http:\/\/([^/]+)\/v1\/scrape\?url=(http:\/\/[^/]+)\/pages\/article'/);
      if (m) {
        clearTimeout(timer);
        resolveReady({ base: "http://" + m[1], sim: m[2] });
      }
    });
    proc.on("exit", (code) => reject(new Error(`trawl demo exited ${code}:\n${log}`)));
  });
  let addr;
  try {
    addr = await ready;
  } catch (err) {
    proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...addr,
    log: () => log,
    // stop ends trawl and removes the keys file's folder, so test runs leave nothing in /tmp.
    stop: () => new Promise((done) => {
      const finish = () => { rmSync(dir, { recursive: true, force: true }); done(); };
      if (proc.exitCode !== null) return finish();
      proc.on("exit", finish);
      proc.kill("SIGTERM");
    }),
  };
}
