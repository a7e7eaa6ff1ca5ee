// Test helpers shared by the Deno test files. Not part of the public API.
//
// A test that needs something this machine may lack (root, /dev/net/tun, a
// Debian package) declares it with `requires()`: it is skipped with the
// stated reason elsewhere, and fails with that reason when
// SOCKLAB_REQUIRE_ALL=1 (as CI sets), so nothing is silently skipped in CI.

/** Why a requirement is unmet, or null when it is met. */
export type Missing = string | null;

/** Whether this process runs as root (uid 0). */
export function isRoot(): boolean {
  return Deno.uid?.() === 0;
}

/** Null if `command` is on the PATH, else the reason it is missing. */
export function missingCommand(command: string): Missing {
  const status = new Deno.Command("sh", {
    args: ["-c", `command -v ${command}`],
    stdout: "null",
    stderr: "null",
  }).outputSync();
  return status.success ? null : `${command} is not installed (apt-get install it; .ci/run does)`;
}

/** Null when running as root, else the reason. */
export function missingRoot(): Missing {
  return isRoot() ? null : "needs root";
}

/** Null when /dev/net/tun can be opened, else the reason. */
export function missingTun(): Missing {
  if (!isRoot()) return "needs root for /dev/net/tun";
  try {
    Deno.statSync("/dev/net/tun");
    return null;
  } catch {
    return "/dev/net/tun does not exist";
  }
}

/**
 * Wraps a test definition so it is ignored (with the reason printed) when a
 * requirement is unmet, or fails with the reason under SOCKLAB_REQUIRE_ALL=1.
 */
export function requires(
  missing: Missing | Missing[],
  definition: Deno.TestDefinition,
): Deno.TestDefinition {
  const reasons = [missing].flat().filter((m): m is string => m !== null);
  if (reasons.length === 0) return definition;
  const reason = reasons.join("; ");
  if (Deno.env.get("SOCKLAB_REQUIRE_ALL") === "1") {
    return {
      ...definition,
      fn: () => {
        throw new Error(`required by SOCKLAB_REQUIRE_ALL=1 but unavailable: ${reason}`);
      },
    };
  }
  console.warn(`skipping "${definition.name}": ${reason}`);
  return { ...definition, name: `${definition.name} (skipped: ${reason})`, ignore: true };
}

/**
 * Reads a capture with tshark, IP and TCP checksum validation on, and returns
 * one row per frame with the requested fields (tshark's `-T fields -e ...`).
 * Throws with tshark's own message if it cannot read the file.
 */
export async function tsharkFields(
  path: string,
  fields: string[],
  extra: string[] = [],
): Promise<string[][]> {
  const { success, stdout, stderr } = await new Deno.Command("tshark", {
    args: [
      "-r",
      path,
      "-o",
      "tcp.check_checksum:TRUE",
      "-o",
      "ip.check_checksum:TRUE",
      ...extra,
      "-T",
      "fields",
      ...fields.flatMap((f) => ["-e", f]),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`tshark could not read ${path}: ${new TextDecoder().decode(stderr)}`);
  }
  return new TextDecoder().decode(stdout).split("\n").filter((r) => r !== "").map((r) =>
    r.split("\t")
  );
}

/**
 * Throws if a parsed value holds a number that is not an integer or an
 * `undefined`: the marks an out-of-bounds read of a Uint8Array leaves.
 */
export function assertWhole(value: unknown, path = "result"): void {
  if (value === undefined) throw new Error(`${path} is undefined: an out-of-bounds read?`);
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new Error(`${path} is ${value}: an out-of-bounds read?`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertWhole(v, `${path}[${i}]`));
  } else if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    for (const [k, v] of Object.entries(value)) assertWhole(v, `${path}.${k}`);
  }
}

/** Reads a stream connection until the peer's FIN; all the bytes, in one array. */
export async function readToEnd(
  conn: { read(p: Uint8Array): Promise<number | null> },
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  for (let n; (n = await conn.read(buf)) !== null;) parts.push(buf.slice(0, n));
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) out.set(part, (at += part.length) - part.length);
  return out;
}

/** Runs `fn` with a fresh temporary folder (its name starts with `prefix`), removed afterwards. */
export async function withTempDir(
  prefix: string,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** `promise`, or a rejection naming `what` after `ms` (a hang becomes a failure). */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** CPU seconds (user and system) the process `pid` has used, from /proc/<pid>/stat (Linux). */
export function cpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new Error(`process ${pid} has exited`);
    throw error;
  }
  // utime and stime, fields 14 and 15, counted from the state (field 3) after the name.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // in USER_HZ, 100 on Linux
}

/** The share of one core the process `pid` uses over `ms` milliseconds of wall time. */
export async function cpuShare(pid: number, ms: number): Promise<number> {
  const cpu = cpuSeconds(pid), start = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  return (cpuSeconds(pid) - cpu) / ((performance.now() - start) / 1000);
}

/**
 * Starts `deno run` on `script` (with `args`) in a child whose open-file
 * limit is `limit` (soft and hard, through prlimit), with the network on
 * loopback and FFI allowed, no config and no update check (which would open
 * files of its own). Its stdout is piped (for the caller to read) or
 * dropped, as `stdout` says; its stderr is piped, for
 * {@link ChildAtLimit.stderr}. prlimit replaces itself with the runtime, so
 * `process.pid` is the runtime's own (what {@link cpuShare} wants).
 */
export function spawnAtFileLimit(
  limit: number,
  script: string,
  args: string[],
  stdout: "piped" | "null",
): ChildAtLimit {
  const process = new Deno.Command("prlimit", {
    args: [
      `--nofile=${limit}:${limit}`,
      Deno.execPath(),
      "run",
      "--no-config",
      "--allow-net=127.0.0.1",
      "--allow-ffi",
      "--allow-read=/dev/null",
      script,
      ...args,
    ],
    env: { DENO_NO_UPDATE_CHECK: "1" },
    stdin: "null",
    stdout,
    stderr: "piped",
  }).spawn();
  let exited = false;
  return {
    process,
    stderr: new Response(process.stderr).text(),
    async exit(ms: number): Promise<Deno.CommandStatus> {
      const status = await within(ms, "the child's exit", process.status);
      exited = true;
      return status;
    },
    async [Symbol.asyncDispose]() {
      if (!exited) {
        try {
          process.kill("SIGKILL");
        } catch {
          // It exited by itself.
        }
        await process.status;
      }
      await this.stderr;
    },
  };
}

/** A child of {@link spawnAtFileLimit}: killed at disposal unless {@link exit} saw it end. */
export interface ChildAtLimit extends AsyncDisposable {
  readonly process: Deno.ChildProcess;
  /** All it wrote to stderr, once it has ended. */
  readonly stderr: Promise<string>;
  /** Waits (at most `ms`) for it to exit by itself. */
  exit(ms: number): Promise<Deno.CommandStatus>;
}

/**
 * A reader of newline-delimited JSON from `reader`: each call resolves to
 * the next line, parsed; at the end of the stream it rejects with what
 * `ended()` gives.
 */
export function jsonLines(
  reader: ReadableStreamDefaultReader<string>,
  ended: () => Promise<Error>,
): () => Promise<unknown> {
  let buffer = "";
  return async () => {
    while (!buffer.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) throw await ended();
      buffer += value;
    }
    const line = buffer.slice(0, buffer.indexOf("\n"));
    buffer = buffer.slice(line.length + 1);
    return JSON.parse(line);
  };
}

/** The open-file limit of the children of {@link spawnAtFileLimit} in tests: above the runtime's own (about 30). */
export const FILE_LIMIT = 128;

/**
 * Child-script source of `fillDescriptors(room)`: opens /dev/null until the
 * descriptor table is full, then frees `room` of them; returns the files.
 * The runtime's signal handling takes a pipe the first time a handler is
 * set (it sets one by itself a moment after start), so one is set first:
 * with the table full, Deno would panic then.
 */
export const FILL_DESCRIPTORS = `function fillDescriptors(room) {
  const nothing = () => {};
  Deno.addSignalListener("SIGWINCH", nothing);
  Deno.removeSignalListener("SIGWINCH", nothing);
  const files = [];
  for (;;) {
    try {
      files.push(Deno.openSync("/dev/null"));
    } catch (error) {
      if (!String(error).includes("os error 24")) throw error;
      break;
    }
  }
  for (let i = 0; i < room; i++) files.pop().close();
  return files;
}`;

/**
 * Runs a command and resolves to its standard output; fails with the
 * command line and its standard error when it exits non-zero.
 */
export async function sh(cmd: string, ...args: string[]): Promise<string> {
  const out = await commandOutput(cmd, args);
  if (out.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${out.code}: ${out.stderr.trim()}`);
  }
  return out.stdout;
}

/** Runs a command to its end (no input); its exit code and output, whatever the code. */
export async function commandOutput(cmd: string, args: string[]): Promise<ProcessOutput> {
  const out = await new Deno.Command(cmd, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/**
 * Deletes the namespaces a test or benchmark process made and could not
 * delete because it was killed (`socklab-<pid>-…`, `socklab-bench-<pid>-…`
 * whose process is gone). Once per process.
 */
export async function sweepStaleNetns(): Promise<void> {
  const list = await sh("ip", "netns", "list");
  for (const line of list.split("\n")) {
    const name = line.split(" ")[0];
    const pid = /^socklab-(?:bench-)?(\d+)-/.exec(name)?.[1];
    if (pid === undefined || Number(pid) === Deno.pid) continue;
    try {
      Deno.statSync(`/proc/${pid}`);
    } catch {
      await sh("ip", "netns", "del", name).catch(() => {});
    }
  }
}
let swept: Promise<void> | null = null;

/**
 * Runs `fn` with a fresh network namespace, named `socklab-<pid>-<tag>` so
 * that parallel test processes never share one, with its loopback up. The
 * namespace is deleted afterwards, also when `fn` throws; whatever ran in it
 * must have ended by then. The first call also deletes what killed test
 * processes left behind.
 */
export async function withNetns<T>(tag: string, fn: (ns: string) => Promise<T>): Promise<T> {
  await (swept ??= sweepStaleNetns());
  const ns = `socklab-${Deno.pid}-${tag}`;
  await sh("ip", "netns", "add", ns);
  try {
    await sh("ip", "-n", ns, "link", "set", "lo", "up");
    return await fn(ns);
  } finally {
    await sh("ip", "netns", "del", ns);
  }
}

/** A unique interface name for this process (at most 15 characters): `sl<pid><tag>`. */
export function ifName(tag: string): string {
  const name = `sl${Deno.pid.toString(36)}${tag}`;
  if (name.length > 15) throw new RangeError(`interface name ${name} is longer than 15`);
  return name;
}

/**
 * Starts the command `argv` inside network namespace `ns` with its output
 * piped (and its input, if asked: then `child.stdin` is the caller's to
 * close); `stop()` kills it (if still running) and resolves to what it
 * printed. `ip netns exec` becomes the command, so `child.pid` is its pid.
 */
export function spawnIn(
  ns: string,
  argv: string[],
  options: { stdin?: "piped" | "null"; env?: Record<string, string> } = {},
): NsChild {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", ns, ...argv],
    stdin: options.stdin ?? "null",
    stdout: "piped",
    stderr: "piped",
    env: options.env,
  }).spawn();
  const output = child.output();
  let done = false;
  output.finally(() => (done = true));
  return {
    child,
    output,
    async stop() {
      if (!done) {
        try {
          child.kill("SIGKILL");
        } catch {
          // Gone already.
        }
      }
      const out = await output;
      return {
        code: out.code,
        stdout: new TextDecoder().decode(out.stdout),
        stderr: new TextDecoder().decode(out.stderr),
      };
    },
  };
}

/** What a child process printed, and its exit code. */
export interface ProcessOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** A process of {@link spawnIn}. */
export interface NsChild {
  readonly child: Deno.ChildProcess;
  /** Resolves when it exits by itself. */
  readonly output: Promise<Deno.CommandOutput>;
  /** Kills it unless it has exited, and resolves to its exit code and output. */
  stop(): Promise<ProcessOutput>;
}

/**
 * Waits (at most `ms`) until a kernel socket in `ns` listens on TCP `port`,
 * as iproute2's `ss` run in the namespace sees it.
 */
export async function untilListening(ns: string, port: number, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    const listening = await sh("ip", "netns", "exec", ns, "ss", "-Hltn", `sport = :${port}`);
    if (listening.trim() !== "") return;
    if (performance.now() > deadline) throw new Error(`nothing listens on port ${port} in ${ns}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `n` random bytes (crypto.getRandomValues fills at most 64 KiB a call). */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += 65536) crypto.getRandomValues(out.subarray(at, at + 65536));
  return out;
}

/**
 * Runs the Deno runtime with `args` unprivileged: still uid 0, so it reads
 * the checkout wherever it sits (a fresh clone in a 0700 temp folder is out
 * of user nobody's reach), but with every capability dropped, inherited and
 * bounding set alike (util-linux's setpriv), so the kernel refuses what needs
 * CAP_NET_ADMIN or CAP_NET_RAW. Resolves to its exit code and output.
 */
export function runUnprivileged(args: string[]): Promise<ProcessOutput> {
  return commandOutput("setpriv", [
    "--inh-caps=-all",
    "--bounding-set=-all",
    Deno.execPath(),
    ...args,
  ]);
}
