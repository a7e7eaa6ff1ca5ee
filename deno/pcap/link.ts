/**
 * Finds the IP packet inside a captured frame, for the link types tcpdump
 * and Wireshark write on Linux and elsewhere: Ethernet (with 802.1Q/802.1ad
 * VLAN tags), raw IP, IPv4, IPv6, Linux cooked v1 and v2 (`tcpdump -i any`),
 * BSD loopback (NULL, host byte order) and OpenBSD loopback (LOOP).
 *
 * @example
 * ```ts
 * import { ipOfFrame, LinkType } from "./link.ts";
 * const frame = new Uint8Array(14 + 20);
 * frame[12] = 0x08; // EtherType IPv4
 * frame[14] = 0x45;
 * const found = ipOfFrame(LinkType.ETHERNET, frame);
 * console.assert(found?.version === 4 && found.packet.length === 20);
 * ```
 *
 * @module
 */
import { WireError } from "../wire/error.ts";
import { LinkType } from "./reader.ts";

export { LinkType };

/** The IP packet in a frame. */
export interface IpInFrame {
  /** 4 or 6. */
  readonly version: 4 | 6;
  /** The IP packet, from its first header byte (a view of the frame). */
  readonly packet: Uint8Array;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);
/** BSD AF_INET6 values: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30. */
const AF_INET6 = new Set([10, 24, 28, 30]);

function byEthertype(type: number, packet: Uint8Array): IpInFrame | null {
  if (type === ETHERTYPE_IPV4) return { version: 4, packet };
  if (type === ETHERTYPE_IPV6) return { version: 6, packet };
  return null;
}

function need(frame: Uint8Array, n: number, what: string) {
  if (frame.length < n) {
    throw new WireError(what, `${frame.length} bytes is shorter than the ${n}-byte header`);
  }
}

/**
 * The IP packet carried by `frame`, or null when the frame carries
 * something else (ARP, say) or the link type is not one this reads.
 * @throws {WireError} If the link-layer header is truncated.
 */
export function ipOfFrame(linkType: number, frame: Uint8Array): IpInFrame | null {
  const u16 = (at: number) => (frame[at] << 8) | frame[at + 1];
  switch (linkType) {
    case LinkType.ETHERNET: {
      need(frame, 14, "Ethernet frame");
      let at = 12;
      let type = u16(at);
      while (VLAN_TAGS.has(type)) {
        need(frame, at + 6, "Ethernet VLAN tag");
        at += 4;
        type = u16(at);
      }
      return byEthertype(type, frame.subarray(at + 2));
    }
    case LinkType.RAW:
    case LinkType.IPV4:
    case LinkType.IPV6: {
      if (frame.length === 0) throw new WireError("raw IP frame", "it is empty");
      const version = frame[0] >> 4;
      if (version === 4 || version === 6) return { version, packet: frame };
      throw new WireError("raw IP frame", `IP version ${version} is neither 4 nor 6`);
    }
    case LinkType.LINUX_SLL:
      need(frame, 16, "Linux cooked frame");
      return byEthertype(u16(14), frame.subarray(16));
    case LinkType.LINUX_SLL2:
      need(frame, 20, "Linux cooked v2 frame");
      return byEthertype(u16(0), frame.subarray(20));
    case LinkType.NULL:
    case LinkType.LOOP: {
      need(frame, 4, "loopback frame");
      const be = ((frame[0] << 24) | (frame[1] << 16) | (frame[2] << 8) | frame[3]) >>> 0;
      const le = ((frame[3] << 24) | (frame[2] << 16) | (frame[1] << 8) | frame[0]) >>> 0;
      // NULL is in the capturing host's byte order: the small one is right.
      const family = linkType === LinkType.LOOP ? be : Math.min(be, le);
      if (family === 2) return { version: 4, packet: frame.subarray(4) };
      if (AF_INET6.has(family)) return { version: 6, packet: frame.subarray(4) };
      return null;
    }
    default:
      return null;
  }
}
