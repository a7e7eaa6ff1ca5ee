// TCP segmentation offload in software: one call turns a byte stream into the
// complete IPv4 or IPv6 + TCP packets a NIC's TSO engine would put on the
// wire, headers, options and both checksums filled in.
//
// The parameters arrive as a small record in memory (layout below, written by
// core/js/packet_api.js), so the export stays a handful of integers. Every packet
// carries the same options; SYN and CWR go on the first packet only, FIN and
// PSH on the last only (RFC 3168 §6.1.2 for CWR; TSO engines do the same).

import { inetSumLE, fold64 } from "../checksum/inet";

// Parameter record offsets (little-endian scalars, addresses in network order).
// core/js/packet_api.js writes the same layout as P; core/js/packet_layout.test.js
// fails when the two drift, and reads each field's size from its comment here.
export const P_FAMILY: usize = 0; // u8: 4 or 6
export const P_FLAGS: usize = 1; // u8: TCP flag bits as in the header byte 13
export const P_TTL: usize = 2; // u8: TTL or hop limit
export const P_TOS: usize = 3; // u8: TOS or traffic class
export const P_SEQ: usize = 4; // u32
export const P_ACK: usize = 8; // u32
export const P_WINDOW: usize = 12; // u16
export const P_IP_ID: usize = 14; // u16: IPv4 identification of the first packet
export const P_FLOW: usize = 16; // u32: IPv6 flow label (20 bits)
export const P_SRC_PORT: usize = 20; // u16
export const P_DST_PORT: usize = 22; // u16
export const P_MSS: usize = 24; // u16: the peer's MSS (RFC 9293 §3.7.1)
export const P_OPTS: usize = 26; // u8: OPT_* bits
export const P_WSCALE: usize = 27; // u8: window scale shift
export const P_MSS_OPTION: usize = 28; // u16: value of the MSS option we send
export const P_SACK_COUNT: usize = 30; // u8: SACK blocks (0..4)
export const P_URGENT: usize = 31; // u8: unused, zero
export const P_TS_VAL: usize = 32; // u32
export const P_TS_ECR: usize = 36; // u32
export const P_SACK: usize = 40; // 4 x (u32 left, u32 right)
export const P_SRC: usize = 72; // 4 or 16 bytes
export const P_DST: usize = 88; // 4 or 16 bytes
export const PARAMS_BYTES: usize = 104;

export const OPT_MSS: u8 = 1;
export const OPT_WSCALE: u8 = 2;
export const OPT_SACK_PERMITTED: u8 = 4;
export const OPT_TIMESTAMPS: u8 = 8;
export const OPT_DONT_FRAGMENT: u8 = 16;

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const PSH: u8 = 0x08;
const CWR: u8 = 0x80;

// Errors (negative results).
export const SEG_BAD_FAMILY: i32 = -1;
export const SEG_OPTIONS_TOO_LONG: i32 = -2;
export const SEG_MSS_TOO_SMALL: i32 = -3;
export const SEG_OUT_TOO_SMALL: i32 = -4;
export const SEG_PACKET_TOO_BIG: i32 = -5;
export const SEG_BAD_SACK_COUNT: i32 = -6;

/** Length of the TCP options the record asks for, padded to 4 bytes. */
export function optionsLength(params: usize): u32 {
  const opts = load<u8>(params + P_OPTS);
  let n: u32 = 0;
  if (opts & OPT_MSS) n += 4;
  if (opts & (OPT_TIMESTAMPS | OPT_SACK_PERMITTED)) {
    // SACK-permitted and timestamps pack into 12 bytes together, as Linux sends them.
    n += opts & OPT_TIMESTAMPS ? 12 : 4;
  }
  if (opts & OPT_WSCALE) n += 4;
  const sacks = <u32>load<u8>(params + P_SACK_COUNT);
  if (sacks) n += 4 + 8 * sacks;
  return n;
}

@inline function be16(p: usize, v: u32): void {
  store<u16>(p, bswap<u16>(<u16>v));
}

@inline function be32(p: usize, v: u32): void {
  store<u32>(p, bswap<u32>(v));
}

/** Writes the options to `p`; returns bytes written (= optionsLength). */
function writeOptions(params: usize, p: usize): u32 {
  const start = p;
  const opts = load<u8>(params + P_OPTS);
  if (opts & OPT_MSS) {
    be32(p, 0x02040000 | <u32>load<u16>(params + P_MSS_OPTION));
    p += 4;
  }
  if (opts & OPT_TIMESTAMPS) {
    // NOP NOP TS or SACK-permitted TS: kind 8, length 10.
    be16(p, opts & OPT_SACK_PERMITTED ? 0x0402 : 0x0101);
    be16(p + 2, 0x080a);
    be32(p + 4, load<u32>(params + P_TS_VAL));
    be32(p + 8, load<u32>(params + P_TS_ECR));
    p += 12;
  } else if (opts & OPT_SACK_PERMITTED) {
    be32(p, 0x01010402);
    p += 4;
  }
  if (opts & OPT_WSCALE) {
    be32(p, 0x01030300 | <u32>load<u8>(params + P_WSCALE));
    p += 4;
  }
  const sacks = <usize>load<u8>(params + P_SACK_COUNT);
  if (sacks) {
    be32(p, 0x01010500 | (2 + 8 * <u32>sacks));
    p += 4;
    for (let k: usize = 0; k < sacks; k++) {
      be32(p, load<u32>(params + P_SACK + (k << 3)));
      be32(p + 4, load<u32>(params + P_SACK + (k << 3) + 4));
      p += 8;
    }
  }
  return <u32>(p - start);
}

/**
 * Payload bytes per packet: the peer's MSS less our TCP options (RFC 9293
 * §3.7.1, RFC 6691), or an error when the options leave no room.
 */
export function segmentPayload(params: usize): i32 {
  const opts = optionsLength(params);
  const mss = <u32>load<u16>(params + P_MSS);
  if (opts > 40) return SEG_OPTIONS_TOO_LONG;
  if (mss <= opts) return SEG_MSS_TOO_SMALL;
  return <i32>(mss - opts);
}

/** Number of packets for `len` payload bytes (one when `len` is 0). */
export function segmentCount(params: usize, len: u32): i32 {
  const per = segmentPayload(params);
  if (per < 0) return per;
  return len == 0 ? 1 : <i32>((len + <u32>per - 1) / <u32>per);
}

/** Total output bytes for `len` payload bytes, or a negative error. */
export function segmentedLength(params: usize, len: u32): i64 {
  const family = load<u8>(params + P_FAMILY);
  if (family != 4 && family != 6) return SEG_BAD_FAMILY;
  if (load<u8>(params + P_SACK_COUNT) > 4) return SEG_BAD_SACK_COUNT;
  const count = segmentCount(params, len);
  if (count < 0) return count;
  const header = (family == 4 ? 20 : 40) + 20 + optionsLength(params);
  return <i64>count * <i64>header + <i64>len;
}

/**
 * Emits the packets for the payload `[payload, payload + len)` into
 * `[out, out + cap)`, back to back. Returns the number of packets, or a
 * negative SEG_* error having written nothing.
 */
export function segment(params: usize, payload: usize, len: u32, out: usize, cap: u32): i32 {
  const total = segmentedLength(params, len);
  if (total < 0) return <i32>total;
  if (total > <i64>cap) return SEG_OUT_TOO_SMALL;
  const v4 = load<u8>(params + P_FAMILY) == 4;
  const per = <u32>segmentPayload(params);
  const count = <u32>segmentCount(params, len);
  const optLen = optionsLength(params);
  const tcpHeader = 20 + optLen;
  const ipHeader: u32 = v4 ? 20 : 40;
  if (tcpHeader + min<u32>(per, len) > 65535 - (v4 ? 20 : 0)) return SEG_PACKET_TOO_BIG;

  const flags = load<u8>(params + P_FLAGS);
  const middle = flags & ~(FIN | SYN | PSH | CWR); // flags every packet carries
  let seq = load<u32>(params + P_SEQ);
  const ack = load<u32>(params + P_ACK);
  const ttl = <u32>load<u8>(params + P_TTL);
  const tos = <u32>load<u8>(params + P_TOS);
  const ipId = <u32>load<u16>(params + P_IP_ID);
  const df: u32 = load<u8>(params + P_OPTS) & OPT_DONT_FRAGMENT ? 0x4000 : 0;
  const ports = (<u32>load<u16>(params + P_SRC_PORT) << 16) | <u32>load<u16>(params + P_DST_PORT);
  const window = <u32>load<u16>(params + P_WINDOW);
  const flow = load<u32>(params + P_FLOW) & 0xfffff;

  // The first packet's headers are built field by field; later packets copy
  // them and patch what changes (lengths, IDs, sequence number, flags).
  let p = out;
  let remaining = len;
  let src = payload;
  for (let i: u32 = 0; i < count; i++) {
    const n = min<u32>(per, remaining);
    const ip = p;
    const tcp = p + ipHeader;
    if (i == 0) {
      if (v4) {
        store<u8>(ip, 0x45);
        store<u8>(ip + 1, <u8>tos);
        be16(ip + 6, df);
        store<u8>(ip + 8, <u8>ttl);
        store<u8>(ip + 9, 6);
        memory.copy(ip + 12, params + P_SRC, 4);
        memory.copy(ip + 16, params + P_DST, 4);
      } else {
        be32(ip, 0x60000000 | (tos << 20) | flow);
        store<u8>(ip + 6, 6);
        store<u8>(ip + 7, <u8>ttl);
        memory.copy(ip + 8, params + P_SRC, 16);
        memory.copy(ip + 24, params + P_DST, 16);
      }
      be32(tcp, ports);
      be32(tcp + 8, ack);
      store<u8>(tcp + 12, <u8>((tcpHeader >> 2) << 4));
      be16(tcp + 14, window);
      be16(tcp + 18, 0); // urgent pointer
      writeOptions(params, tcp + 20);
    } else {
      memory.copy(ip, out, ipHeader + tcpHeader);
    }
    let f = middle;
    if (i == 0) f |= flags & (SYN | CWR);
    if (i == count - 1) f |= flags & (FIN | PSH);
    store<u8>(tcp + 13, f);
    be32(tcp + 4, seq);
    store<u16>(tcp + 16, 0);
    memory.copy(tcp + tcpHeader, src, n);

    const tcpLen = tcpHeader + n;
    // Pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1): addresses, protocol, length.
    let acc: u64;
    if (v4) {
      be16(ip + 2, ipHeader + tcpLen);
      be16(ip + 4, (ipId + i) & 0xffff);
      store<u16>(ip + 10, 0);
      store<u16>(ip + 10, <u16>(~inetSumLE(ip, 20) & 0xffff));
      acc = <u64>inetSumLE(ip + 12, 8);
    } else {
      be16(ip + 4, tcpLen);
      acc = <u64>inetSumLE(ip + 8, 32);
    }
    acc += <u64>bswap<u16>(6) + <u64>bswap<u16>(<u16>tcpLen) + <u64>inetSumLE(tcp, tcpLen);
    store<u16>(tcp + 16, <u16>(~fold64(acc) & 0xffff));

    seq += n + (f & SYN ? 1 : 0);
    src += n;
    remaining -= n;
    p = tcp + tcpLen;
  }
  return <i32>count;
}
