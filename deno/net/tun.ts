/**
 * A Linux TUN device through libc (`--allow-ffi`; root or CAP_NET_ADMIN):
 * a network interface whose other side is this process. Every IP packet the
 * kernel routes to the interface is read here, whole, and every packet
 * written here arrives at the kernel as if from a wire.
 *
 * {@link TunDevice.open} opens `/dev/net/tun` and asks for the interface
 * with `ioctl(TUNSETIFF)`, flags IFF_TUN (IP packets, no Ethernet header)
 * and IFF_NO_PI (no 4-byte packet-information prefix: the first byte read
 * is the IP version). The descriptor is non-blocking: {@link TunDevice.read}
 * and {@link TunDevice.write} are one syscall each and never wait, and
 * {@link TunDevice.readable} waits in poll(2) on one of Deno's worker
 * threads, so the event loop never blocks. {@link TunDevice.configure} gives
 * the interface the kernel's addresses, MTU and state with iproute2's `ip`
 * (`--allow-run`), optionally in another network namespace. Closing the
 * descriptor removes the interface, with its addresses and routes.
 *
 * This layer only moves packets; what they mean is `deno/link/`'s.
 *
 * @example A device in a network namespace, pinged by the kernel
 * ```ts ignore
 * import { TunDevice } from "./tun.ts";
 * await using tun = TunDevice.open({ name: "socklab0" });
 * await tun.configure({ mtu: 1500, addresses: [{ address: "10.0.0.1", prefix: 24 }] });
 * // `ping 10.0.0.2` now puts ICMP echo requests here:
 * const buf = new Uint8Array(65536);
 * while (await tun.readable()) {
 *   const n = tun.read(buf);
 *   if (n !== null) console.log(`${n} bytes, IPv${buf[0] >> 4}`);
 * }
 * ```
 *
 * @module
 */
import * as libc from "./_libc.ts";
import { NetError, PermissionDenied, SocketClosed } from "./errors.ts";

/** The device file of the TUN/TAP driver. */
export const TUN_PATH = "/dev/net/tun";

// <linux/if_tun.h>: _IOW('T', 202, int), and the interface flags.
const TUNSETIFF = 0x400454ca;
// _IOW('T', 208, unsigned int): which offloads this process takes.
const TUNSETOFFLOAD = 0x400454d0;
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;
const IFF_VNET_HDR = 0x4000;
// struct ifreq: a 16-byte name, then a union whose first member here is short ifr_flags.
const IFREQ_SIZE = 40;
const IFNAMSIZ = 16;
const O_RDWR = 2;
const O_NONBLOCK = 0o4000;

/** The largest packet a read returns: an IP packet's maximum length. */
export const TUN_MAX_PACKET = 65535;

/**
 * The length of the virtio-net header (`struct virtio_net_hdr`, <linux/virtio_net.h>)
 * before every packet of a device opened with {@link TunOpenOptions.vnetHeader}:
 * flags (u8), gso_type (u8), hdr_len, gso_size, csum_start and csum_offset
 * (u16 each, in the host's byte order unless TUNSETVNETLE/BE says
 * otherwise: little-endian on x86-64 and arm64, which is what this module
 * writes).
 */
export const VNET_HDR_LEN = 10;
/** virtio_net_hdr flags: the transport checksum is partial, from csum_start (only the pseudo-header is summed). */
export const VNET_F_NEEDS_CSUM = 1;
/** virtio_net_hdr gso_type: a TCP/IPv4 super-packet of gso_size segments. */
export const VNET_GSO_TCPV4 = 1;
/** virtio_net_hdr gso_type: a TCP/IPv6 super-packet. */
export const VNET_GSO_TCPV6 = 4;
/** TUNSETOFFLOAD: packets may carry partial checksums. */
export const TUN_F_CSUM = 0x01;
/** TUNSETOFFLOAD: TCP/IPv4 super-packets (TSO) may be read. */
export const TUN_F_TSO4 = 0x02;
/** TUNSETOFFLOAD: TCP/IPv6 super-packets may be read. */
export const TUN_F_TSO6 = 0x04;

/** Options of {@link TunDevice.open}. */
export interface TunOpenOptions {
  /**
   * The interface name, 1 to 15 characters of letters, digits, `_`, `.`
   * and `-`; a `%d` in it lets the kernel number it ("tun%d", the default).
   */
  readonly name?: string;
  /**
   * Every packet read or written starts with a {@link VNET_HDR_LEN}-byte
   * virtio-net header (IFF_VNET_HDR), which the offloads need
   * ({@link TunDevice.setOffload}). Default false.
   */
  readonly vnetHeader?: boolean;
}

/** One address the kernel gets on the interface, with the prefix routed through it. */
export interface TunAddress {
  /** The kernel's own address on the interface ("10.0.0.1", "fd00::1"). */
  readonly address: string;
  /** The prefix length routed to the interface (24 routes 10.0.0.0/24 through it). */
  readonly prefix: number;
}

/** What {@link TunDevice.configure} sets. */
export interface TunSettings {
  /**
   * A network namespace (a name `ip netns` knows) to move the interface
   * into first; it stays usable from this process, and is configured there.
   */
  readonly netns?: string;
  /** The interface MTU, 68 to 65535. */
  readonly mtu: number;
  /** The kernel's addresses (IPv4 and IPv6; IPv6 ones skip duplicate address detection). */
  readonly addresses: readonly TunAddress[];
  /** More prefixes to route through the interface ("10.2.0.0/24"), besides the addresses' own. */
  readonly routes?: readonly string[];
}

/** Checks an interface name as {@link TunOpenOptions.name} describes it. */
function checkName(name: string): void {
  if (typeof name !== "string") {
    throw new TypeError(`TUN interface name must be a string, got ${typeof name}`);
  }
  if (!/^[A-Za-z0-9_.%-]{1,15}$/.test(name) || name === "." || name === "..") {
    throw new RangeError(
      `TUN interface name must be 1 to 15 letters, digits, "_", "." or "-" (IFNAMSIZ is 16), got ${
        JSON.stringify(name)
      }`,
    );
  }
}

/**
 * Why the device could not be opened, as a typed error whose message says
 * what to do: no permission means root (or CAP_NET_ADMIN) is needed, a
 * missing device file means the tun module is not loaded.
 *
 * @param error What libc threw.
 * @param name The interface name asked for.
 * @returns A {@link NetError} (a {@link PermissionDenied} for EPERM or
 *   EACCES), or `error` itself if it was not an errno.
 */
export function tunOpenError(error: unknown, name: string): unknown {
  if (!(error instanceof libc.Errno)) return error;
  const op = `open TUN device ${name}`;
  const init = { op, cause: error };
  switch (error.errno) {
    case libc.EPERM:
    case libc.EACCES:
      return new PermissionDenied(
        `permission denied on ${TUN_PATH}: a TUN device needs root (or CAP_NET_ADMIN)`,
        init,
      );
    case libc.ENOENT:
    case libc.ENODEV:
    case libc.ENXIO:
      return new NetError(
        `${TUN_PATH} does not exist or has no driver: load the tun module (modprobe tun)`,
        init,
      );
    case libc.EBUSY:
    case libc.EINVAL:
      return new NetError(
        `an interface named ${name} exists already and is not a free TUN device`,
        init,
      );
    default:
      return new NetError(error.message, init);
  }
}

/**
 * An open TUN device. Reads and writes move one whole IP packet each.
 */
export class TunDevice implements AsyncDisposable {
  /** The interface name the kernel gave (with any `%d` filled in). */
  readonly name: string;
  #fd: number;
  readonly #wakeRead: number;
  readonly #wakeWrite: number;
  #closed = false;
  #polling: Promise<unknown> | null = null;
  #netns: string | undefined;
  readonly #vnetHeader: boolean;

  private constructor(fd: number, name: string, vnetHeader: boolean) {
    this.#fd = fd;
    this.name = name;
    this.#vnetHeader = vnetHeader;
    [this.#wakeRead, this.#wakeWrite] = libc.wakePipe();
  }

  /**
   * Opens `/dev/net/tun` and creates the interface (down, without
   * addresses, in this process's network namespace).
   *
   * @throws {PermissionDenied} Without root or CAP_NET_ADMIN.
   * @throws {NetError} If `/dev/net/tun` is missing or the name is taken.
   * @throws {RangeError} If the name is not a valid interface name.
   */
  static open(options: TunOpenOptions = {}): TunDevice {
    const name = options.name ?? "tun%d";
    checkName(name);
    libc.acquireLibc();
    let fd = -1;
    try {
      fd = libc.open(TUN_PATH, O_RDWR | O_NONBLOCK);
      const ifr = new Uint8Array(IFREQ_SIZE);
      ifr.set(new TextEncoder().encode(name));
      const vnet = options.vnetHeader ? IFF_VNET_HDR : 0;
      new DataView(ifr.buffer).setUint16(IFNAMSIZ, IFF_TUN | IFF_NO_PI | vnet, true);
      libc.ioctl(fd, TUNSETIFF, ifr);
      const end = ifr.indexOf(0);
      const given = new TextDecoder().decode(ifr.subarray(0, end < 0 ? IFNAMSIZ : end));
      return new TunDevice(fd, given, options.vnetHeader ?? false);
    } catch (error) {
      if (fd >= 0) libc.close(fd);
      libc.releaseLibc();
      throw tunOpenError(error, name);
    }
  }

  /**
   * Says which offloads this process takes (TUNSETOFFLOAD): with
   * {@link TUN_F_CSUM} the kernel may send packets whose transport checksum
   * is partial, and with {@link TUN_F_TSO4} / {@link TUN_F_TSO6} TCP
   * super-packets of up to 64 KB, which the header describes. Needs a device
   * opened with {@link TunOpenOptions.vnetHeader}, or the kernel would hand
   * over super-packets and partial checksums with nothing to say so.
   *
   * @throws {TypeError} If the device was opened without the header.
   * @throws {NetError} If the kernel refuses.
   */
  setOffload(flags: number): void {
    const fd = this.#open("set offloads of");
    if (!this.#vnetHeader && flags !== 0) {
      throw new TypeError(
        `TUN device ${this.name}: offloads need the virtio-net header (open it with vnetHeader: true)`,
      );
    }
    try {
      libc.ioctlValue(fd, TUNSETOFFLOAD, flags);
    } catch (error) {
      if (!(error instanceof libc.Errno)) throw error;
      throw new NetError(error.message, {
        op: `set offloads of TUN device ${this.name}`,
        cause: error,
      });
    }
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The network namespace the interface was moved into by {@link configure}, if any. */
  get netns(): string | undefined {
    return this.#netns;
  }

  /**
   * Reads one packet without waiting.
   *
   * @param buf Where the packet goes; a packet longer than it is cut short
   *   (give {@link TUN_MAX_PACKET} bytes to never cut one).
   * @returns The packet's length, or null when none is waiting.
   * @throws {SocketClosed} If the device is closed.
   * @throws {NetError} If the read fails otherwise.
   */
  read(buf: Uint8Array): number | null {
    const fd = this.#open("read");
    const n = libc.readFd(fd, buf);
    if (n >= 0) return n;
    if (n === -libc.EAGAIN || n === -libc.EINTR) return null;
    throw new NetError(`read failed (errno ${-n})`, { op: `read from TUN device ${this.name}` });
  }

  /**
   * Writes one packet without waiting: the kernel receives it as if from a
   * wire (an IPv4 or IPv6 packet, as its first byte says).
   *
   * @returns True if the kernel took it; false if it refused it for now
   *   (no room, or the interface is down): the packet is lost, as on a wire.
   * @throws {SocketClosed} If the device is closed.
   * @throws {NetError} If the kernel rejects the packet itself (EINVAL: not
   *   an IP packet).
   */
  write(packet: Uint8Array): boolean {
    const fd = this.#open("write");
    return this.#written(libc.writeFd(fd, packet), packet.length);
  }

  /**
   * Writes one packet given in two pieces, `head` then `body`, in one
   * syscall (writev(2)): what {@link write} does with the two joined,
   * without joining them.
   *
   * @returns As {@link write}.
   * @throws As {@link write}.
   */
  writev(head: Uint8Array, body: Uint8Array): boolean {
    const fd = this.#open("write");
    return this.#written(libc.writevFd(fd, head, body), head.length + body.length);
  }

  // What a write's result says: taken, refused for now (false), or an error.
  #written(n: number, length: number): boolean {
    if (n >= 0) return true;
    const full = [libc.EAGAIN, libc.EINTR, libc.EIO, libc.ENOBUFS, libc.ENOMEM];
    if (full.includes(-n)) return false;
    throw new NetError(`the kernel refused a ${length}-byte packet (errno ${-n})`, {
      op: `write to TUN device ${this.name}`,
    });
  }

  /**
   * Waits (on a worker thread) until a packet can be read.
   *
   * @returns True when one can; false once the device is closed.
   */
  async readable(): Promise<boolean> {
    if (this.#closed) return false;
    if (this.#polling) throw new Error(`TunDevice ${this.name}: readable() is already waiting`);
    const poll = libc.pollIn(this.#fd, this.#wakeRead);
    this.#polling = poll;
    try {
      return (await poll) === "readable" && !this.#closed;
    } finally {
      this.#polling = null;
    }
  }

  /**
   * Gives the interface the kernel's addresses, routes and MTU and brings
   * it up, with iproute2's `ip` (moving it into `settings.netns` first, if
   * given).
   *
   * @throws {NetError} If an `ip` command fails (its message is included)
   *   or `ip` is not installed.
   * @throws {RangeError} For an MTU outside 68 to 65535 or a bad prefix.
   */
  async configure(settings: TunSettings): Promise<void> {
    this.#open("configure");
    const { mtu, addresses, netns } = settings;
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) {
      throw new RangeError(`TUN interface mtu must be an integer from 68 to 65535, got ${mtu}`);
    }
    if (netns !== undefined) {
      await ip(["link", "set", "dev", this.name, "netns", netns]);
      this.#netns = netns;
    }
    const scope = this.#netns === undefined ? [] : ["-n", this.#netns];
    await ip([...scope, "link", "set", "dev", this.name, "mtu", String(mtu), "up"]);
    for (const { address, prefix } of addresses) {
      const v6 = address.includes(":");
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (v6 ? 128 : 32)) {
        throw new RangeError(`prefix length of ${address} must be 0 to ${v6 ? 128 : 32}`);
      }
      const extra = v6 ? ["nodad"] : [];
      await ip([...scope, "addr", "add", `${address}/${prefix}`, "dev", this.name, ...extra]);
    }
    for (const route of settings.routes ?? []) {
      await ip([...scope, "route", "add", route, "dev", this.name]);
    }
  }

  #open(op: string): number {
    if (this.#closed) {
      throw new SocketClosed("device is closed", { op: `${op} TUN device ${this.name}` });
    }
    return this.#fd;
  }

  /**
   * Closes the device: a waiting {@link readable} resolves false, and the
   * kernel removes the interface with its addresses and routes. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    libc.wake(this.#wakeWrite);
    await this.#polling?.catch(() => {});
    libc.close(this.#fd);
    libc.close(this.#wakeRead);
    libc.close(this.#wakeWrite);
    this.#fd = -1;
    libc.releaseLibc();
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Runs `ip` with `args`; fails with its own message. */
async function ip(args: string[]): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("ip", { args, stdin: "null", stdout: "null", stderr: "piped" })
      .output();
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "the ip command (iproute2) is not installed"
      : (error as Error).message;
    throw new NetError(why, { op: `ip ${args.join(" ")}`, cause: error });
  }
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr).trim();
    throw new NetError(text || `exit code ${out.code}`, { op: `ip ${args.join(" ")}` });
  }
}
