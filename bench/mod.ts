/**
 * Every socklab benchmark. Each measures socklab beside its peers in the same
 * run and prints the ratios; absolute numbers vary with the machine.
 *
 * Usage: deno task bench [NAME...]   (names: checksum)
 *
 * @module
 */
import { benchChecksum } from "./checksum.ts";

/** What a benchmark may be given. */
export interface BenchOptions {
  /** Told what is being measured, a few times a second (benchmarks that can say). */
  progress?: (text: string) => void;
}

/** The benchmarks by name; each resolves to a printable report. */
export const BENCHMARKS: Record<string, (options?: BenchOptions) => Promise<string>> = {
  checksum: (options) => benchChecksum({ progress: options?.progress }),
  http: () => import("./http.ts").then((m) => m.benchHttp()),
  wire: () => import("./wire.ts").then((m) => m.benchWire()),
  packet: () => import("./packet.ts").then((m) => m.benchPacket()),
  cc: (options) => import("./cc.ts").then((m) => m.benchCc({ progress: options?.progress })),
  tcp: () => import("./tcp.ts").then((m) => m.benchTcp()),
  net: () => import("./net.ts").then((m) => m.benchNet()),
  tun: () => import("./tun.ts").then((m) => m.benchTun()),
};

if (import.meta.main) {
  const names = Deno.args.length ? Deno.args : Object.keys(BENCHMARKS);
  for (const name of names) {
    const bench = BENCHMARKS[name];
    if (!bench) {
      console.error(
        `bench: unknown benchmark "${name}" (known: ${Object.keys(BENCHMARKS).join(", ")})`,
      );
      Deno.exit(2);
    }
    console.log(`== ${name} ==\n${await bench()}`);
  }
}
