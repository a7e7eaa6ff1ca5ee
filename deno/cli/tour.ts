// `socklab tour`: a short, printed walk through the checksums of one real
// packet shape, an IPv4 + TCP SYN, for learners.
import { crc32, crc32c, InetChecksum, inetChecksum } from "../checksum.ts";
import { parseFlags, type Subcommand, write } from "./_args.ts";

function hex(bytes: Uint8Array): string {
  const pairs = Array.from(bytes, (b) => b.toString(16).padStart(2, "0"));
  const lines = [];
  for (let i = 0; i < pairs.length; i += 16) lines.push("    " + pairs.slice(i, i + 16).join(" "));
  return lines.join("\n");
}

/** A SYN from 10.0.0.1:40000 to 10.0.0.2:80 with an MSS option, checksums zeroed. */
function samplePacket(): Uint8Array {
  const p = new Uint8Array(44);
  const v = new DataView(p.buffer);
  p.set([0x45, 0x00]); // version 4, header 5 words; DSCP 0
  v.setUint16(2, 44); // total length
  v.setUint16(4, 0x1c46); // identification
  v.setUint16(6, 0x4000); // don't fragment
  p[8] = 64; // TTL
  p[9] = 6; // protocol TCP
  p.set([10, 0, 0, 1, 10, 0, 0, 2], 12); // source, destination
  v.setUint16(20, 40000); // TCP source port
  v.setUint16(22, 80); // destination port
  v.setUint32(24, 0x6b8b4567); // sequence number
  p[32] = 6 << 4; // data offset: 6 words (one option word)
  p[33] = 0x02; // SYN
  v.setUint16(34, 64240); // window
  p.set([2, 4, 0x05, 0xb4], 40); // MSS 1460
  return p;
}

export const command: Subcommand = {
  summary: "a printed tour of the checksums of a sample TCP SYN",
  usage:
    "Usage: socklab tour\n\nPrints how the checksums of an IPv4 + TCP SYN are computed and verified.\n",
  async main(args, io) {
    parseFlags("tour", args, {}, 0);
    const packet = samplePacket();
    const ip = packet.subarray(0, 20);
    const tcp = packet.subarray(20);
    const v = new DataView(packet.buffer);
    v.setUint16(10, inetChecksum(ip));
    const pseudo = new Uint8Array(12);
    pseudo.set(packet.subarray(12, 20)); // source and destination addresses
    pseudo[9] = 6; // protocol
    new DataView(pseudo.buffer).setUint16(10, tcp.length);
    v.setUint16(36, inetChecksum(pseudo, tcp));
    const verifyIp = inetChecksum(ip);
    const verifyTcp = new InetChecksum().update(pseudo).update(tcp).digest();
    const text = [
      "socklab tour: the checksums of one TCP SYN (10.0.0.1:40000 -> 10.0.0.2:80)",
      "",
      "The packet, with both checksum fields filled in:",
      hex(packet),
      "",
      `IPv4 header checksum (RFC 1071 over the 20-byte header):   0x${
        v.getUint16(10).toString(16)
      }`,
      `TCP checksum (over pseudo-header + TCP header + data):     0x${
        v.getUint16(36).toString(16)
      }`,
      `Receiver re-sums the IPv4 header:  0x${
        verifyIp.toString(16).padStart(4, "0")
      } (0 means intact)`,
      `Receiver re-sums pseudo + TCP:     0x${
        verifyTcp.toString(16).padStart(4, "0")
      } (0 means intact)`,
      `One bit flipped in transit:        0x${
        flipAndVerify(packet).toString(16)
      } (not 0: the segment is dropped)`,
      "",
      `An Ethernet FCS would be CRC-32:   0x${crc32(packet).toString(16).padStart(8, "0")}`,
      `iSCSI or SCTP would use CRC-32C:   0x${crc32c(packet).toString(16).padStart(8, "0")}`,
      "",
      "Try: deno task socklab checksum --help",
      "",
    ].join("\n");
    await write(io.stdout, text);
    return 0;

    function flipAndVerify(p: Uint8Array): number {
      const copy = p.slice(20);
      copy[6] ^= 0x10; // one bit of the sequence number
      return inetChecksum(pseudo, copy);
    }
  },
};
