/**
 * socklab: a socket and TCP laboratory for Deno with a WebAssembly core.
 *
 * This module re-exports the public API of every layer, each of which is
 * also an entry point of its own: `./wire`, `./net`, `./tcp`, `./link`,
 * `./http`, `./pcap`, `./trace` and `./checksum`. Drivers and parsers that
 * only some users need are entry points of their own and are not here:
 * `./net/epoll` (the epoll/io_uring listener) and `./net/procnet` (the
 * /proc/net parsers).
 *
 * Layers point one way, from the bottom up: the WASM core's JS side
 * (`checksum.ts`, `core_packet.ts`), wire formats (`wire/`), the sans-IO TCP
 * and capture files (`tcp/`, `pcap/`), sockets (`net/`), running socklab's
 * TCP on links (`link/`), renderings of its trace and HTTP (`trace/`,
 * `http/`), the playground (`playground/`) and the command line (`cli/`).
 * No folder imports one above it or another folder's `_private` file; a
 * test reads the import graph to keep it so (`layers_test.ts`,
 * docs/layers.md). Nothing here prints, reads a clock it was not handed, or
 * touches I/O except the modules whose purpose is I/O.
 *
 * @example Checksums
 * ```ts
 * import { crc32, crc32c, inetChecksum } from "./mod.ts";
 * const data = new TextEncoder().encode("123456789");
 * console.log(crc32(data).toString(16), crc32c(data).toString(16), inetChecksum(data));
 * ```
 *
 * @module
 */
export * from "./checksum.ts";
export * from "./net/mod.ts";
export * from "./core_packet.ts";
export * from "./http/mod.ts";
export * from "./wire/mod.ts";
export * from "./pcap/mod.ts";
export * from "./tcp/mod.ts";
export * from "./link/mod.ts";
export * from "./trace/mod.ts";
