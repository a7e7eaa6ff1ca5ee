// deno.json's exports map, used the way a user of the package would: every
// entry imported by the package's own name (Deno resolves a package's name
// to itself through its exports map), not by file path.
import assert from "node:assert/strict";
import * as root from "@socklab/socklab";
import * as wire from "@socklab/socklab/wire";
import * as net from "@socklab/socklab/net";
import * as procnet from "@socklab/socklab/net/procnet";
import * as epoll from "@socklab/socklab/net/epoll";
import * as tcp from "@socklab/socklab/tcp";
import * as link from "@socklab/socklab/link";
import * as http from "@socklab/socklab/http";
import * as pcap from "@socklab/socklab/pcap";
import * as trace from "@socklab/socklab/trace";
import * as checksum from "@socklab/socklab/checksum";

const ENTRIES: Record<string, Record<string, unknown>> = {
  ".": root,
  "./wire": wire,
  "./net": net,
  "./net/procnet": procnet,
  "./net/epoll": epoll,
  "./tcp": tcp,
  "./link": link,
  "./http": http,
  "./pcap": pcap,
  "./trace": trace,
  "./checksum": checksum,
};
const CONFIG = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));

Deno.test("every entry of the exports map imports by the package's name and is the module the map names", async () => {
  assert.equal(CONFIG.name, "@socklab/socklab");
  assert.deepEqual(Object.keys(ENTRIES).sort(), Object.keys(CONFIG.exports).sort());
  for (const [entry, path] of Object.entries(CONFIG.exports as Record<string, string>)) {
    const byPath = await import(new URL(`../${path}`, import.meta.url).href);
    const byName = ENTRIES[entry];
    assert.ok(Object.keys(byName).length > 0, entry);
    assert.deepEqual(Object.keys(byName).sort(), Object.keys(byPath).sort(), entry);
    for (const key of Object.keys(byPath)) {
      assert.equal(byName[key], byPath[key], `${entry} ${key}`);
    }
  }
});

Deno.test("'.' carries every layer's public API, with no name lost to a clash between layers", () => {
  for (const [entry, layer] of Object.entries(ENTRIES)) {
    if (entry === "." || entry.startsWith("./net/")) continue;
    for (const [key, value] of Object.entries(layer)) {
      assert.equal(root[key as keyof typeof root], value, `${entry} ${key} is missing from "."`);
    }
  }
  const data = new TextEncoder().encode("123456789");
  assert.equal(root.crc32(data), 0xcbf43926);
  assert.equal(root.crc32c(data), 0xe3069283);
});

Deno.test("the drivers and the /proc parsers are their own entry points, not in '.' or ./net", () => {
  const internals = {
    "./net/epoll": [
      "EpollConn",
      "EpollListener",
      "listenEpoll",
      "epollAvailable",
      "ioUringAvailable",
    ],
    "./net/procnet": ["parseProcNetInet", "parseProcNetUnix", "LINUX_TCP_STATE_NAMES"],
  };
  for (const [entry, names] of Object.entries(internals)) {
    for (const name of names) {
      assert.ok(name in ENTRIES[entry], `${name} is in ${entry}`);
      assert.ok(!(name in root), `${name} is not in "."`);
      assert.ok(!(name in net), `${name} is not in ./net`);
    }
  }
  for (const name of ["toNetError", "untilClosed", "errnoError", "socketFd", "fromDenoAddr"]) {
    assert.ok(!(name in root), `${name} is not in "."`);
  }
  // What a user reaches for is there.
  for (const name of ["connect", "listen", "kernelSockets", "ConnectionRefused", "serve"]) {
    assert.ok(name in root, name);
  }
});

Deno.test("deno.json's names for @socklab/core are the entries of core/package.json's exports map", async () => {
  // They let Deno code (the docs' examples) import the core by its package name.
  const core = JSON.parse(
    await Deno.readTextFile(new URL("../core/package.json", import.meta.url)),
  );
  const modules = Object.entries(core.exports as Record<string, string | { default: string }>)
    .filter(([, target]) => typeof target !== "string")
    .map(([entry, target]) => [
      entry.replace(/^\./, core.name),
      (target as { default: string }).default.replace(/^\.\//, "./core/"),
    ]);
  const mapped = Object.entries(CONFIG.imports as Record<string, string>)
    .filter(([name]) => name.startsWith(core.name));
  assert.deepEqual(Object.fromEntries(mapped), Object.fromEntries(modules));
});
