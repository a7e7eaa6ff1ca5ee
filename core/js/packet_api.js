// @ts-self-types="./packet_api.d.ts"
// The JS side of the core's packet exports: TCP segmentation, TCP reassembly
// and IP fragment reassembly. `createPacketApi` is called once per core by
// core/js/instantiate.js, which owns the module; this file owns the packet
// exports' pointers and handles, and hands out only byte arrays, numbers and
// plain objects. Every method validates its arguments before the core sees
// them, so bad input throws a TypeError or RangeError naming the argument.

const U32_MAX = 0xffffffff;
/** The largest reassembly buffer or byte budget: 256 MiB of the core's 4 GiB. */
const MAX_BUFFER = 1 << 28;

// Segmentation parameter record: the P_* layout of core/assembly/packet/segment.ts,
// kept by hand; packet_layout.test.js fails when the two drift.
const P = {
  FAMILY: 0,
  FLAGS: 1,
  TTL: 2,
  TOS: 3,
  SEQ: 4,
  ACK: 8,
  WINDOW: 12,
  IP_ID: 14,
  FLOW: 16,
  SRC_PORT: 20,
  DST_PORT: 22,
  MSS: 24,
  OPTS: 26,
  WSCALE: 27,
  MSS_OPTION: 28,
  SACK_COUNT: 30,
  TS_VAL: 32,
  TS_ECR: 36,
  SACK: 40,
  SRC: 72,
  DST: 88,
  BYTES: 104,
};
const OPT_MSS = 1, OPT_WSCALE = 2, OPT_SACK_PERMITTED = 4, OPT_TIMESTAMPS = 8, OPT_DF = 16;
const TCP_FLAGS = { fin: 0x01, syn: 0x02, rst: 0x04, psh: 0x08, ece: 0x40, cwr: 0x80 };
const FLAG_LIST = Object.entries(TCP_FLAGS);
const ACK_FLAG = 0x10;

const SEGMENT_ERRORS = {
  [-1]: "family must be 4 or 6",
  [-2]: "the TCP options exceed 40 bytes",
  [-3]: "sendMss leaves no room for data after the TCP options",
  [-4]: "the output buffer is too small",
  [-5]: "a packet would exceed 65535 bytes",
  [-6]: "at most 4 SACK blocks fit",
};

const INSERT_STATUS = ["stored", "duplicate", "out-of-window", "too-many-ranges", "empty"];
const INSERT_REASONS = [
  undefined,
  "every byte was already received",
  "the segment starts beyond the receive window",
  "the segment would open more out-of-order ranges than maxRanges allows",
  "the segment carries no data",
];

/** FRAG_* outcomes of core/assembly/packet/fragments.ts, by code. */
const FRAG_OUTCOMES = [
  ["held", null],
  ["complete", null],
  ["notFragment", null],
  ["duplicate", "an exact duplicate of a fragment already held"],
  ["truncated", "the packet is shorter than its headers say"],
  ["badVersion", "the IP version is neither 4 nor 6"],
  ["badHeaderLength", "the IPv4 header length is below 20 bytes"],
  ["badTotalLength", "the IPv4 total length is smaller than its header"],
  ["badChecksum", "the IPv4 header checksum is wrong"],
  ["reservedFlag", "the IPv4 reserved flag is set"],
  ["empty", "the fragment carries no data"],
  ["misaligned", "a fragment other than the last is not a multiple of 8 bytes"],
  ["tooBig", "the reassembled datagram would exceed 65535 bytes"],
  ["badExtension", "an IPv6 extension header runs past the packet"],
  ["jumbogram", "IPv6 jumbograms cannot be fragmented"],
  ["overlap", "the fragment overlaps another; the whole datagram was discarded"],
  ["inconsistent", "the fragment disagrees with the datagram's length; it was discarded"],
  ["discarded", "the datagram was discarded earlier for a bad fragment"],
  ["tooManyFragments", "the datagram already holds maxFragmentsPerDatagram fragments"],
  ["tooManyDatagrams", "maxDatagrams datagrams are already in reassembly"],
  ["outOfMemory", "holding the fragment would exceed maxBytes"],
  ["incompleteChain", "the first fragment does not hold the whole IPv6 header chain (RFC 7112)"],
];

function describe(value) {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return value.constructor?.name ?? "object";
}

function checkInt(fn, name, value, min, max) {
  if (typeof value !== "number") {
    throw new TypeError(`${fn}: ${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${fn}: ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function optInt(fn, name, value, min, max, fallback) {
  return value === undefined ? fallback : checkInt(fn, name, value, min, max);
}

function checkBool(fn, name, value) {
  if (value === undefined) return false;
  if (typeof value !== "boolean") {
    throw new TypeError(`${fn}: ${name} must be a boolean, got ${describe(value)}`);
  }
  return value;
}

function checkObject(fn, name, value) {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object") {
    throw new TypeError(`${fn}: ${name} must be an object, got ${describe(value)}`);
  }
  return value;
}

/** Parses an IPv4 dotted quad or an RFC 4291 §2.2 IPv6 text address. */
function parseAddress(fn, name, value) {
  if (value instanceof Uint8Array) {
    if (value.length !== 4 && value.length !== 16) {
      throw new RangeError(`${fn}: ${name} must be 4 or 16 bytes, got ${value.length}`);
    }
    return value;
  }
  if (typeof value !== "string") {
    throw new TypeError(
      `${fn}: ${name} must be an address string or Uint8Array, got ${describe(value)}`,
    );
  }
  const bad = () =>
    new SyntaxError(`${fn}: cannot parse ${name} ${JSON.stringify(value)} as an IP address`);
  if (!value.includes(":")) {
    const parts = value.split(".");
    if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && +p <= 255)) {
      throw bad();
    }
    return Uint8Array.from(parts, Number);
  }
  let text = value;
  const tail = [];
  const dot = text.lastIndexOf(":");
  if (text.slice(dot + 1).includes(".")) {
    const v4 = parseAddress(fn, name, text.slice(dot + 1));
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    text = text.slice(0, dot + 1) + "0";
  }
  const halves = text.split("::");
  if (halves.length > 2) throw bad();
  const words = (s) => (s === "" ? [] : s.split(":").map((w) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(w)) throw bad();
    return parseInt(w, 16);
  }));
  const head = words(halves[0]);
  const rest = halves.length === 2 ? words(halves[1]) : [];
  if (tail.length) rest.length ? rest.pop() : head.pop();
  const all = halves.length === 2 ? [...head, ...rest, ...tail] : [...head, ...tail];
  const missing = 8 - all.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) throw bad();
  const full = halves.length === 2
    ? [...head, ...new Array(missing).fill(0), ...rest, ...tail]
    : all;
  const out = new Uint8Array(16);
  full.forEach((w, i) => {
    out[2 * i] = w >>> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/**
 * Builds the packet API of one core. `helpers` come from instantiate.js:
 * `locate(coreBuffer)` (its address) and `CoreBuffer` (the class of core
 * buffers).
 */
export function createPacketApi(exports, helpers) {
  const { memory } = exports;
  const { locate, CoreBuffer } = helpers;
  const params = exports.alloc(P.BYTES);
  const result = exports.packet_result();
  /** Staging areas in core memory, grown on demand (a grown one replaces the old). */
  const stages = [{ ptr: 0, size: 0 }, { ptr: 0, size: 0 }];
  // Views of all of memory. `memory.grow` detaches them, and a detached view
  // has length 0: a cheaper test than comparing with `memory.buffer`.
  let heap = new Uint8Array(memory.buffer);
  let dataView = new DataView(memory.buffer);
  const bytes = () => {
    if (heap.length === 0) {
      heap = new Uint8Array(memory.buffer);
      dataView = new DataView(memory.buffer);
    }
    return heap;
  };
  const dv = () => (bytes(), dataView);
  const u32 = (offset) => dv().getUint32(result + offset, true);

  /**
   * A staging area of at least `size` bytes. It grows on demand, and a large
   * one is given back once inputs are small again, so one big input does not
   * pin its size for the life of the core.
   */
  function stage(which, size) {
    const s = stages[which];
    if (s.size < size || (s.size > 4 << 20 && size <= 1 << 20)) {
      if (s.ptr) exports.dealloc(s.ptr);
      s.ptr = 0;
      s.size = 0;
      const want = Math.max(size, Math.min(2 * size, MAX_BUFFER), 4096);
      s.ptr = allocating(
        "staging",
        `${want} bytes to copy the input into`,
        () => exports.alloc(want),
      );
      s.size = want;
    }
    return s.ptr;
  }

  /** Where `data`'s bytes are in core memory: in place, or copied to stage `which`. */
  function place(fn, name, data, which) {
    if (data instanceof CoreBuffer) return locate(data);
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(
        `${fn}: ${name} must be a Uint8Array or CoreBuffer, got ${describe(data)}`,
      );
    }
    if (data.buffer === bytes().buffer) return data.byteOffset;
    if (data.length > MAX_BUFFER) {
      throw new RangeError(
        `${fn}: ${name} of ${data.length} bytes exceeds the ${MAX_BUFFER}-byte limit`,
      );
    }
    const ptr = stage(which, data.length);
    bytes().set(data, ptr);
    return ptr;
  }

  const lengthOf = (data) => data.length;

  // ---- TCP segmentation ---------------------------------------------------

  /** Parsed text addresses, so a connection's segments skip the parsing. */
  const parsed = new Map();
  function address(fn, name, value) {
    if (typeof value !== "string") return parseAddress(fn, name, value);
    let bytes = parsed.get(value);
    if (bytes === undefined) {
      bytes = parseAddress(fn, name, value);
      if (parsed.size >= 64) parsed.clear();
      parsed.set(value, bytes);
    }
    return bytes;
  }

  /** Validates `options` and writes the parameter record; returns the family. */
  function writeParams(fn, options) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
    }
    const src = address(fn, "src", options.src);
    const dst = address(fn, "dst", options.dst);
    if (src.length !== dst.length) {
      throw new RangeError(`${fn}: src and dst must both be IPv4 or both IPv6`);
    }
    const family = src.length === 4 ? 4 : 6;
    if (options.family !== undefined && options.family !== family) {
      throw new RangeError(`${fn}: family is ${options.family} but the addresses are IPv${family}`);
    }
    let flags = 0;
    for (const [name, bit] of FLAG_LIST) {
      if (checkBool(fn, name, options[name])) flags |= bit;
    }
    if ((flags & TCP_FLAGS.syn) && (flags & (TCP_FLAGS.fin | TCP_FLAGS.rst))) {
      throw new RangeError(`${fn}: syn cannot be combined with fin or rst`);
    }
    if ((flags & TCP_FLAGS.fin) && (flags & TCP_FLAGS.rst)) {
      throw new RangeError(`${fn}: fin cannot be combined with rst`);
    }
    const ack = options.ack ?? null;
    if (ack !== null) {
      checkInt(fn, "ack", ack, 0, U32_MAX);
      flags |= ACK_FLAG;
    }
    let opts = 0;
    const mss = options.mss ?? null;
    if (mss !== null) {
      checkInt(fn, "mss", mss, 0, 0xffff);
      opts |= OPT_MSS;
    }
    const wscale = options.windowScale ?? null;
    if (wscale !== null) {
      checkInt(fn, "windowScale", wscale, 0, 14);
      opts |= OPT_WSCALE;
    }
    if ((opts & (OPT_MSS | OPT_WSCALE)) && !(flags & TCP_FLAGS.syn)) {
      throw new RangeError(`${fn}: the mss and windowScale options belong on SYN segments only`);
    }
    if (checkBool(fn, "sackPermitted", options.sackPermitted)) {
      if (!(flags & TCP_FLAGS.syn)) {
        throw new RangeError(`${fn}: sackPermitted belongs on SYN segments only`);
      }
      opts |= OPT_SACK_PERMITTED;
    }
    const ts = options.timestamp ?? null;
    if (ts !== null) {
      checkObject(fn, "timestamp", ts);
      opts |= OPT_TIMESTAMPS;
    }
    if (options.dontFragment ?? true) opts |= OPT_DF;
    const sack = options.sack ?? [];
    if (!Array.isArray(sack)) {
      throw new TypeError(
        `${fn}: sack must be an array of [left, right] pairs, got ${describe(sack)}`,
      );
    }
    if (sack.length > 4) {
      throw new RangeError(`${fn}: at most 4 SACK blocks fit, got ${sack.length}`);
    }

    const view = dv(); // nothing below allocates
    const at = params;
    view.setUint8(at + P.FAMILY, family);
    view.setUint8(at + P.FLAGS, flags);
    view.setUint8(
      at + P.TTL,
      optInt(fn, family === 4 ? "ttl" : "hopLimit", options.ttl ?? options.hopLimit, 0, 255, 64),
    );
    view.setUint8(at + P.TOS, optInt(fn, "tos", options.tos ?? options.trafficClass, 0, 255, 0));
    view.setUint32(at + P.SEQ, checkInt(fn, "seq", options.seq, 0, U32_MAX), true);
    view.setUint32(at + P.ACK, ack ?? 0, true);
    view.setUint16(at + P.WINDOW, optInt(fn, "window", options.window, 0, 0xffff, 0xffff), true);
    view.setUint16(at + P.IP_ID, optInt(fn, "ipId", options.ipId, 0, 0xffff, 0), true);
    view.setUint32(at + P.FLOW, optInt(fn, "flowLabel", options.flowLabel, 0, 0xfffff, 0), true);
    view.setUint16(at + P.SRC_PORT, checkInt(fn, "srcPort", options.srcPort, 0, 0xffff), true);
    view.setUint16(at + P.DST_PORT, checkInt(fn, "dstPort", options.dstPort, 0, 0xffff), true);
    view.setUint16(at + P.MSS, checkInt(fn, "sendMss", options.sendMss, 1, 0xffff), true);
    view.setUint8(at + P.OPTS, opts);
    view.setUint8(at + P.WSCALE, wscale ?? 0);
    view.setUint16(at + P.MSS_OPTION, mss ?? 0, true);
    view.setUint8(at + P.SACK_COUNT, sack.length);
    if (ts !== null) {
      view.setUint32(at + P.TS_VAL, checkInt(fn, "timestamp.value", ts.value, 0, U32_MAX), true);
      view.setUint32(at + P.TS_ECR, checkInt(fn, "timestamp.echo", ts.echo, 0, U32_MAX), true);
    }
    sack.forEach((block, i) => {
      if (!Array.isArray(block) || block.length !== 2) {
        throw new TypeError(`${fn}: sack[${i}] must be a [left, right] pair`);
      }
      view.setUint32(
        at + P.SACK + 8 * i,
        checkInt(fn, "sack left edge", block[0], 0, U32_MAX),
        true,
      );
      view.setUint32(
        at + P.SACK + 8 * i + 4,
        checkInt(fn, "sack right edge", block[1], 0, U32_MAX),
        true,
      );
    });
    const mem = bytes();
    mem.set(src, params + P.SRC);
    mem.set(dst, params + P.DST);
    return { family, flags };
  }

  function segmentError(fn, code) {
    return new RangeError(`${fn}: ${SEGMENT_ERRORS[code] ?? `the core refused (code ${code})`}`);
  }

  function tcpSegmentedLength(options, payloadLength) {
    const fn = "tcpSegmentedLength()";
    writeParams(fn, options);
    checkInt(fn, "payloadLength", payloadLength, 0, U32_MAX);
    const n = exports.tcp_segmented_length(params, payloadLength);
    if (n < 0) throw segmentError(fn, n);
    return n;
  }

  function segmentTcp(options, payload, out) {
    const fn = "segmentTcp()";
    const { flags } = writeParams(fn, options);
    if (payload === undefined) payload = new Uint8Array(0);
    if (!(payload instanceof Uint8Array || payload instanceof CoreBuffer)) {
      throw new TypeError(
        `${fn}: payload must be a Uint8Array or CoreBuffer, got ${describe(payload)}`,
      );
    }
    const len = lengthOf(payload);
    if (len > MAX_BUFFER) {
      throw new RangeError(`${fn}: payload of ${len} bytes exceeds the ${MAX_BUFFER}-byte limit`);
    }
    const total = exports.tcp_segmented_length(params, len);
    if (total < 0) throw segmentError(fn, total);
    const per = exports.tcp_segment_payload(params);
    if (total > 2 * MAX_BUFFER) {
      throw new RangeError(`${fn}: the packets would take ${total} bytes, over the limit`);
    }
    if (out === undefined) out = new Uint8Array(total);
    // Locate everything in core memory before anything allocates: growing
    // memory detaches views of it (pointers stay valid).
    let outPtr = -1;
    if (out instanceof CoreBuffer) {
      outPtr = locate(out);
    } else if (!(out instanceof Uint8Array)) {
      throw new TypeError(`${fn}: out must be a Uint8Array or CoreBuffer, got ${describe(out)}`);
    } else if (out.buffer === bytes().buffer) {
      outPtr = out.byteOffset;
    }
    if (out.length < total) {
      throw new RangeError(`${fn}: out holds ${out.length} bytes, the packets need ${total}`);
    }
    const payloadPtr = place(fn, "payload", payload, 0);
    const copyOut = outPtr < 0;
    if (copyOut) outPtr = stage(1, total);
    const count = exports.tcp_segment(params, payloadPtr, len, outPtr, total);
    if (count < 0) throw segmentError(fn, count);
    let packets;
    if (copyOut) {
      packets = out.subarray(0, total);
      packets.set(bytes().subarray(outPtr, outPtr + total));
    } else {
      packets = bytes().subarray(outPtr, outPtr + total);
    }
    const header = total - len === 0 ? 0 : (total - len) / count;
    const offsets = new Array(count);
    const lengths = new Array(count);
    for (let i = 0; i < count; i++) {
      offsets[i] = i * (header + per);
      lengths[i] = header + Math.min(per, len - i * per);
    }
    const consumed = len + (flags & TCP_FLAGS.syn ? 1 : 0) + (flags & TCP_FLAGS.fin ? 1 : 0);
    return {
      count,
      byteLength: total,
      offsets,
      lengths,
      payloadPerPacket: per,
      nextSeq: (options.seq + consumed) >>> 0,
      bytes: packets,
    };
  }

  // ---- TCP reassembly -----------------------------------------------------

  const tcpHandles = new FinalizationRegistry((h) => exports.tcp_reasm_free(h));

  class TcpReassembler {
    #h;
    #token = {};

    constructor(options) {
      const fn = "new TcpReassembler()";
      if (options === null || typeof options !== "object") {
        throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
      }
      const initialSeq = checkInt(fn, "initialSeq", options.initialSeq, 0, U32_MAX);
      const window = checkInt(fn, "window", options.window, 1, MAX_BUFFER);
      const maxRanges = optInt(fn, "maxRanges", options.maxRanges, 1, 65536, 64);
      const h = allocating(
        fn,
        `a ${window}-byte window`,
        () => exports.tcp_reasm_new(initialSeq, window, maxRanges),
      );
      this.#h = h;
      tcpHandles.register(this, h, this.#token);
    }

    #handle(fn) {
      if (this.#h === 0) throw new TypeError(`TcpReassembler.${fn}: the reassembler was freed`);
      return this.#h;
    }

    #state(index) {
      exports.tcp_reasm_state(this.#handle("state"));
      return u32(4 * index);
    }

    insert(seq, data) {
      const fn = "TcpReassembler.insert()";
      const h = this.#handle("insert()");
      checkInt(fn, "seq", seq, 0, U32_MAX);
      const ptr = place(fn, "data", data, 0);
      const status = exports.tcp_reasm_insert(h, seq, ptr, data.length);
      const view = dv();
      const outcome = {
        status: INSERT_STATUS[status],
        accepted: view.getUint32(result, true),
        duplicate: view.getUint32(result + 4, true),
        outOfWindow: view.getUint32(result + 8, true),
      };
      if (status !== 0) outcome.reason = INSERT_REASONS[status];
      return outcome;
    }

    read(max) {
      this.#handle("read()");
      const readable = this.#state(1);
      const n = max === undefined
        ? readable
        : Math.min(readable, checkInt("TcpReassembler.read()", "max", max, 0, U32_MAX));
      const out = new Uint8Array(n);
      this.readInto(out);
      return out;
    }

    readInto(buffer) {
      const h = this.#handle("readInto()");
      if (!(buffer instanceof Uint8Array)) {
        throw new TypeError(
          `TcpReassembler.readInto(): buffer must be a Uint8Array, got ${describe(buffer)}`,
        );
      }
      let got = 0;
      const n = buffer.length;
      while (got < n) {
        const run = Math.min(exports.tcp_reasm_peek_len(h), n - got);
        if (run === 0) break;
        const ptr = exports.tcp_reasm_peek_ptr(h);
        buffer.set(bytes().subarray(ptr, ptr + run), got);
        exports.tcp_reasm_consume(h, run);
        got += run;
      }
      return got;
    }

    peek() {
      const h = this.#handle("peek()");
      const ptr = exports.tcp_reasm_peek_ptr(h);
      return bytes().subarray(ptr, ptr + exports.tcp_reasm_peek_len(h));
    }

    consume(n) {
      const h = this.#handle("consume()");
      return exports.tcp_reasm_consume(h, checkInt("TcpReassembler.consume()", "n", n, 0, U32_MAX));
    }

    sackBlocks(max = 4) {
      const h = this.#handle("sackBlocks()");
      checkInt("TcpReassembler.sackBlocks()", "max", max, 0, 4);
      const n = exports.tcp_reasm_sack(h, max);
      const blocks = [];
      for (let i = 0; i < n; i++) blocks.push([u32(8 * i), u32(8 * i + 4)]);
      return blocks;
    }

    get nextSeq() {
      return this.#state(0);
    }

    get readable() {
      return this.#state(1);
    }

    get window() {
      return this.#state(2);
    }

    get outOfOrderBytes() {
      return this.#state(3);
    }

    get bufferedBytes() {
      exports.tcp_reasm_state(this.#handle("bufferedBytes"));
      return u32(4) + u32(12);
    }

    get ranges() {
      return this.#state(4);
    }

    free() {
      if (this.#h === 0) return;
      tcpHandles.unregister(this.#token);
      exports.tcp_reasm_free(this.#h);
      this.#h = 0;
    }

    [Symbol.dispose]() {
      this.free();
    }
  }

  // ---- IP fragment reassembly ---------------------------------------------

  const fragHandles = new FinalizationRegistry((h) => exports.frag_free(h));

  class FragmentReassembler {
    #h;
    #token = {};

    constructor(options = {}) {
      const fn = "new FragmentReassembler()";
      checkObject(fn, "options", options);
      const maxDatagrams = optInt(fn, "maxDatagrams", options.maxDatagrams, 1, 65536, 64);
      const maxBytes = optInt(fn, "maxBytes", options.maxBytes, 0, MAX_BUFFER, 4 << 20);
      const maxFragments = optInt(
        fn,
        "maxFragmentsPerDatagram",
        options.maxFragmentsPerDatagram,
        1,
        65536,
        64,
      );
      const timeoutMs = options.timeoutMs ?? 30_000;
      if (typeof timeoutMs !== "number") {
        throw new TypeError(`${fn}: timeoutMs must be a number, got ${describe(timeoutMs)}`);
      }
      if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
        throw new RangeError(`${fn}: timeoutMs must be a positive finite number, got ${timeoutMs}`);
      }
      const h = allocating(
        fn,
        "the reassembler",
        () => exports.frag_new(maxDatagrams, maxBytes, timeoutMs, maxFragments),
      );
      this.#h = h;
      fragHandles.register(this, h, this.#token);
    }

    #handle(fn) {
      if (this.#h === 0) {
        throw new TypeError(`FragmentReassembler.${fn}: the reassembler was freed`);
      }
      return this.#h;
    }

    insert(packet, nowMs) {
      const fn = "FragmentReassembler.insert()";
      const h = this.#handle("insert()");
      checkNow(fn, nowMs);
      const ptr = place(fn, "packet", packet, 0);
      const code = exports.frag_insert(h, ptr, lengthOf(packet), nowMs);
      const [status, reason] = FRAG_OUTCOMES[code];
      let complete = null;
      if (code === 1 || code === 2) {
        const at = exports.frag_out_ptr(h);
        // A copy out of core memory (TypedArray#slice is slow on wasm memory).
        complete = new Uint8Array(exports.frag_out_len(h));
        complete.set(bytes().subarray(at, at + complete.length));
      }
      const outcome = { status, complete };
      if (reason) outcome.reason = reason;
      return outcome;
    }

    expire(nowMs) {
      const h = this.#handle("expire()");
      checkNow("FragmentReassembler.expire()", nowMs);
      exports.frag_expire(h, nowMs);
      return { dropped: u32(0), timeExceeded: u32(4) };
    }

    get pending() {
      exports.frag_state(this.#handle("pending"));
      return u32(0);
    }

    get bytesHeld() {
      exports.frag_state(this.#handle("bytesHeld"));
      return u32(4);
    }

    get timedOut() {
      exports.frag_state(this.#handle("timedOut"));
      return { dropped: u32(8), timeExceeded: u32(12) };
    }

    get counters() {
      const h = this.#handle("counters");
      const counts = {};
      FRAG_OUTCOMES.forEach(([name], code) => {
        counts[name] = exports.frag_counter(h, code);
      });
      return counts;
    }

    free() {
      if (this.#h === 0) return;
      fragHandles.unregister(this.#token);
      exports.frag_free(this.#h);
      this.#h = 0;
    }

    [Symbol.dispose]() {
      this.free();
    }
  }

  return {
    segmentTcp,
    tcpSegmentedLength,
    TcpReassembler,
    FragmentReassembler,
  };
}

/**
 * Runs `create`, turning the core running out of memory (a trap, or a
 * handle of 0) into a RangeError that says what could not be allocated.
 */
function allocating(fn, what, create) {
  let h = 0;
  try {
    h = create();
  } catch (cause) {
    throw new RangeError(`${fn}: the core could not allocate ${what}`, { cause });
  }
  if (h === 0) throw new RangeError(`${fn}: the core could not allocate ${what}`);
  return h;
}

function checkNow(fn, nowMs) {
  if (typeof nowMs !== "number") {
    throw new TypeError(`${fn}: nowMs must be a number, got ${describe(nowMs)}`);
  }
  if (!Number.isFinite(nowMs)) throw new RangeError(`${fn}: nowMs must be finite, got ${nowMs}`);
}
