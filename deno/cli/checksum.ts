// `socklab checksum`: the Internet checksum, CRC-32 and CRC-32C of files or
// standard input, one line each, like cksum(1).
import { crc32, crc32c, InetChecksum } from "../checksum.ts";
import {
  type CommandIo,
  fileErrorReason,
  parseFlags,
  type Subcommand,
  UsageError,
  write,
} from "./_args.ts";

const ALGORITHMS = ["inet", "crc32", "crc32c"] as const;
type Algorithm = typeof ALGORITHMS[number];

const usage = `Usage: socklab checksum [flags] [FILE...]

Prints checksums of each FILE (or of standard input when there is none, or
for "-"), one line per input: the checksums, the size in bytes, the name.

  inet    RFC 1071 Internet checksum, as IPv4/TCP/UDP/ICMP headers carry it
  crc32   CRC-32 (IEEE 802.3, zlib, PNG, gzip)
  crc32c  CRC-32C (Castagnoli; iSCSI, SCTP, ext4)

Flags:
  -a, --algorithm NAME  only this one (repeatable): inet, crc32, crc32c
      --json            one JSON object per input
  -h, --help            this help

Example:
  $ printf 123456789 | socklab checksum
  inet=f62a crc32=cbf43926 crc32c=e3069283 9 -
`;

interface Result {
  name: string;
  bytes: number;
  inet?: string;
  crc32?: string;
  crc32c?: string;
}

async function digest(name: string, source: ReadableStream<Uint8Array>, want: Algorithm[]) {
  const inet = new InetChecksum();
  let c32 = 0;
  let c32c = 0;
  let bytes = 0;
  for await (const chunk of source) {
    bytes += chunk.length;
    if (want.includes("inet")) inet.update(chunk);
    if (want.includes("crc32")) c32 = crc32(chunk, c32);
    if (want.includes("crc32c")) c32c = crc32c(chunk, c32c);
  }
  const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
  const result: Result = { name, bytes };
  if (want.includes("inet")) result.inet = hex(inet.digest(), 4);
  if (want.includes("crc32")) result.crc32 = hex(c32, 8);
  if (want.includes("crc32c")) result.crc32c = hex(c32c, 8);
  return result;
}

async function open(name: string, io: CommandIo): Promise<ReadableStream<Uint8Array>> {
  if (name === "-") return io.stdin;
  try {
    return (await Deno.open(name)).readable;
  } catch (error) {
    throw new Error(`checksum: cannot read ${name}: ${fileErrorReason(error)}`);
  }
}

export const command: Subcommand = {
  summary: "Internet checksum, CRC-32 and CRC-32C of files or stdin",
  usage,
  async main(args, io) {
    const { values, positionals } = parseFlags("checksum", args, {
      algorithm: { type: "string", short: "a", multiple: true },
      json: { type: "boolean" },
    });
    const picked = (values.algorithm as string[] | undefined) ?? [...ALGORITHMS];
    for (const name of picked) {
      if (!ALGORITHMS.includes(name as Algorithm)) {
        throw new UsageError(
          `checksum: unknown algorithm "${name}" (known: ${ALGORITHMS.join(", ")})`,
        );
      }
    }
    const want = ALGORITHMS.filter((a) => picked.includes(a));
    const names = positionals.length ? positionals : ["-"];
    let failed = false;
    for (const name of names) {
      let result;
      try {
        result = await digest(name, await open(name, io), want);
      } catch (error) {
        await write(io.stderr, `socklab ${(error as Error).message}\n`);
        failed = true;
        continue;
      }
      const line = values.json
        ? JSON.stringify(result)
        : [...want.map((a) => `${a}=${result[a]}`), result.bytes, result.name].join(" ");
      await write(io.stdout, line + "\n");
    }
    return failed ? 1 : 0;
  },
};
