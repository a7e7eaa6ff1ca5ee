// Test builders: TCP/IPv4/IPv6 packets and captures made with the wire
// emitters, so analyzer and reader tests read as short scripts.
import { bufferLen as ipv4Len, emit as emitIpv4 } from "../wire/ipv4.ts";
import { bufferLen as ipv6Len, emit as emitIpv6 } from "../wire/ipv6.ts";
import { parseAddress } from "../wire/ip.ts";
import { bufferLen as tcpLen, emit as emitTcp, type TcpRepr, tcpRepr } from "../wire/tcp.ts";
import type { Capture, CapturedPacket } from "./reader.ts";
import { LinkType } from "./reader.ts";

/** A TCP segment record with plain defaults. */
export function seg(overrides: Partial<TcpRepr> = {}): TcpRepr {
  return tcpRepr({ srcPort: 40000, dstPort: 80, window: 1000, ...overrides });
}

/** A whole IPv4 or IPv6 packet carrying `tcp` from `src` to `dst`, checksums filled in. */
export function ipPacket(src: string, dst: string, tcp: TcpRepr): Uint8Array {
  const s = parseAddress(src), d = parseAddress(dst);
  const segmentLen = tcpLen(tcp);
  if (s.length === 4) {
    const repr = {
      src: s,
      dst: d,
      protocol: 6,
      ttl: 64,
      dscp: 0,
      ecn: 0,
      ident: 0,
      dontFrag: true,
      moreFrags: false,
      fragOffset: 0,
      options: new Uint8Array(),
      payloadLen: segmentLen,
    };
    const out = new Uint8Array(ipv4Len(repr) + segmentLen);
    const n = emitIpv4(repr, out);
    emitTcp(tcp, out.subarray(n), { src: s, dst: d });
    return out;
  }
  const repr = {
    src: s,
    dst: d,
    nextHeader: 6,
    hopLimit: 64,
    trafficClass: 0,
    flowLabel: 0,
    extensions: [],
    payloadLen: segmentLen,
  };
  const out = new Uint8Array(ipv6Len(repr) + segmentLen);
  const n = emitIpv6(repr, out);
  emitTcp(tcp, out.subarray(n), { src: s, dst: d });
  return out;
}

/** A capture of raw IP packets, one per entry, 1 ms apart. */
export function rawCapture(packets: Uint8Array[]): Capture {
  return {
    format: "pcap",
    truncated: null,
    packets: packets.map((data, index): CapturedPacket => ({
      index,
      time: 1000 + index / 1000,
      linkType: LinkType.RAW,
      data,
      originalLength: data.length,
      interfaceId: 0,
    })),
  };
}

/** A conversation between a client and a server, written as a script. */
export class Conversation {
  packets: Uint8Array[] = [];
  constructor(
    readonly client = "10.0.0.1",
    readonly server = "10.0.0.2",
    readonly clientPort = 40000,
    readonly serverPort = 80,
  ) {}
  /** A segment from the client. */
  c(fields: Partial<TcpRepr>): this {
    this.packets.push(
      ipPacket(
        this.client,
        this.server,
        seg({ srcPort: this.clientPort, dstPort: this.serverPort, ...fields }),
      ),
    );
    return this;
  }
  /** A segment from the server. */
  s(fields: Partial<TcpRepr>): this {
    this.packets.push(
      ipPacket(
        this.server,
        this.client,
        seg({ srcPort: this.serverPort, dstPort: this.clientPort, ...fields }),
      ),
    );
    return this;
  }
}

/** `n` bytes of text, distinct at each offset. */
export function text(n: number, from = 0): Uint8Array {
  return new Uint8Array(n).map((_, i) => 65 + ((from + i) % 26));
}
