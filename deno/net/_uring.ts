// A minimal io_uring (Linux 5.19+) used as a batch of syscalls: the epoll
// loop queues the recv(2) and send(2) calls of a whole turn here and makes
// them with one io_uring_enter(2), instead of one syscall each. On a
// machine where a syscall costs about a microsecond (page-table isolation
// in a VM, say), that is most of what a small request costs in the kernel.
//
// Private to deno/net. The layouts are io_uring's own, the same on every
// architecture (include/uapi/linux/io_uring.h); the syscall numbers 425
// (setup) and 426 (enter) are the same on x86-64 and arm64.
//
// Memory safety: the kernel reads and writes the buffers of an operation
// until its completion arrives. A view into an ArrayBuffer of more than 64
// bytes is used in place (V8 keeps such a buffer's memory where it is), and
// the operation holds a reference to it until the completion, so it cannot
// be collected; one into a smaller buffer (V8 may move those) is copied
// through the ring's own memory. Asking Deno for a buffer's address costs
// about 300 ns, more than the rest of an operation, so addresses are
// remembered per ArrayBuffer.
import * as libc from "./_libc.ts";

const SYS_IO_URING_SETUP = 425;
const IORING_OFF_SQ_RING = 0;
const IORING_OFF_SQES = 0x10000000;
const IORING_FEAT_SINGLE_MMAP = 1 << 0;
const IORING_FEAT_NODROP = 1 << 1;
const IORING_FEAT_FAST_POLL = 1 << 5;
const IORING_OP_SEND = 26;
const IORING_OP_RECV = 27;
const SQE_SIZE = 64;
const CQE_SIZE = 16;
/** Largest buffer copied through the ring's memory rather than used in place. */
const SMALL = 64;

/** What an operation asked for: "recv" or "send", its socket and buffer. */
export interface RingOp {
  readonly kind: "recv" | "send";
  readonly fd: number;
  /** The caller's buffer (kept referenced until the completion). */
  buf: Uint8Array;
  /** Called once with the syscall's result: bytes, or -errno. */
  done(result: number): void;
}

/** An io_uring instance, or null from {@link Ring.open} where the kernel refuses one. */
export class Ring {
  readonly fd: number;
  readonly #entries: number;
  readonly #ring: Deno.PointerObject;
  readonly #ringSize: number;
  readonly #sqesPtr: Deno.PointerObject;
  readonly #u32: Uint32Array;
  readonly #sqes: DataView;
  readonly #sqesU8: Uint8Array;
  readonly #cqes: DataView;
  readonly #sqTail: number;
  readonly #sqMask: number;
  readonly #cqHead: number;
  readonly #cqTail: number;
  readonly #cqMask: number;
  /** Queued and not yet given to the kernel. */
  #unsubmitted = 0;
  /** Operations in the kernel, by slot; a slot's index is the SQE's user_data. */
  readonly #ops: (RingOp | undefined)[];
  readonly #free: number[];
  /** The ring's own memory for small buffers: SMALL bytes per slot. */
  readonly #staging: Uint8Array;
  readonly #stagingPtr: Deno.PointerObject;
  readonly #stagingAddr: number;
  #closed = false;
  readonly #bases = new WeakMap<ArrayBufferLike, number>();
  #lastBuffer: ArrayBufferLike | null = null;
  #lastBase = 0;

  /**
   * Sets up a ring of `entries` submission slots (a power of two), or
   * returns null when io_uring is missing, disabled or too old for what
   * is used here (the caller makes plain syscalls then). libc must be
   * acquired by the caller.
   */
  static open(entries: number): Ring | null {
    const params = new Uint8Array(120);
    const fd = libc.rawSyscall(
      SYS_IO_URING_SETUP,
      entries,
      libc.addressOf(Deno.UnsafePointer.of(params)),
    );
    if (fd < 0) return null;
    const features = new DataView(params.buffer).getUint32(20, true);
    const need = IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP | IORING_FEAT_FAST_POLL;
    if ((features & need) !== need) {
      libc.close(fd);
      return null;
    }
    try {
      return new Ring(fd, params);
    } catch {
      libc.close(fd);
      return null;
    }
  }

  private constructor(fd: number, params: Uint8Array) {
    const p = new DataView(params.buffer);
    const sq = (field: number) => p.getUint32(40 + field * 4, true);
    const cq = (field: number) => p.getUint32(80 + field * 4, true);
    this.fd = fd;
    const sqEntries = p.getUint32(0, true);
    const cqEntries = p.getUint32(4, true);
    this.#entries = sqEntries;
    // struct io_sqring_offsets: head, tail, ring_mask, ring_entries, flags, dropped, array.
    // struct io_cqring_offsets: head, tail, ring_mask, ring_entries, overflow, cqes.
    this.#ringSize = Math.max(sq(6) + sqEntries * 4, cq(5) + cqEntries * CQE_SIZE);
    this.#ring = libc.mmap(this.#ringSize, fd, IORING_OFF_SQ_RING);
    this.#sqesPtr = libc.mmap(sqEntries * SQE_SIZE, fd, IORING_OFF_SQES);
    const ring = new Deno.UnsafePointerView(this.#ring).getArrayBuffer(this.#ringSize);
    const sqes = new Deno.UnsafePointerView(this.#sqesPtr).getArrayBuffer(sqEntries * SQE_SIZE);
    this.#u32 = new Uint32Array(ring);
    this.#sqes = new DataView(sqes);
    this.#sqesU8 = new Uint8Array(sqes);
    this.#cqes = new DataView(ring, cq(5));
    this.#sqTail = sq(1) / 4;
    this.#sqMask = this.#u32[sq(2) / 4];
    this.#cqHead = cq(0) / 4;
    this.#cqTail = cq(1) / 4;
    this.#cqMask = this.#u32[cq(2) / 4];
    // The index array maps ring positions to SQEs one to one, once.
    for (let i = 0; i < sqEntries; i++) this.#u32[sq(6) / 4 + i] = i;
    // One operation per SQE at most, so the completion queue (twice as long) never overflows.
    this.#ops = new Array(sqEntries).fill(undefined);
    this.#free = Array.from({ length: sqEntries }, (_, i) => sqEntries - 1 - i);
    this.#stagingPtr = libc.mmap(sqEntries * SMALL);
    this.#staging = new Uint8Array(
      new Deno.UnsafePointerView(this.#stagingPtr).getArrayBuffer(sqEntries * SMALL),
    );
    this.#stagingAddr = libc.addressOf(this.#stagingPtr);
  }

  /** Whether operations wait for the next {@link submit}. */
  get queued(): boolean {
    return this.#unsubmitted > 0;
  }

  /** Operations queued or in the kernel. */
  get inFlight(): number {
    return this.#entries - this.#free.length;
  }

  /**
   * Queues a recv or send (made at the next {@link submit}); false when
   * every slot is taken (submit and reap, then try again).
   */
  queue(op: RingOp): boolean {
    const slot = this.#free.pop();
    if (slot === undefined) return false;
    this.#ops[slot] = op;
    const buf = op.buf;
    const length = buf.length;
    let address: number;
    if (buf.buffer.byteLength <= SMALL) {
      address = this.#stagingAddr + slot * SMALL;
      if (op.kind === "send") this.#staging.set(buf, slot * SMALL);
    } else {
      address = this.#base(buf.buffer) + buf.byteOffset;
    }
    const lo = address >>> 0;
    const hi = Math.floor(address / 0x100000000);
    const tail = this.#u32[this.#sqTail] + this.#unsubmitted;
    const at = (tail & this.#sqMask) * SQE_SIZE;
    const sqe = this.#sqes;
    this.#sqesU8.fill(0, at, at + SQE_SIZE);
    sqe.setUint8(at, op.kind === "recv" ? IORING_OP_RECV : IORING_OP_SEND);
    sqe.setInt32(at + 4, op.fd, true);
    sqe.setUint32(at + 16, lo, true); // addr
    sqe.setUint32(at + 20, hi, true);
    sqe.setUint32(at + 24, length, true); // len
    // msg_flags: MSG_NOSIGNAL for sends (no SIGPIPE on a reset connection).
    if (op.kind === "send") sqe.setUint32(at + 28, libc.MSG_NOSIGNAL, true);
    sqe.setUint32(at + 32, slot, true); // user_data
    this.#unsubmitted++;
    return true;
  }

  /** The address of an ArrayBuffer's memory (remembered: asking costs more than using it). */
  #base(buffer: ArrayBufferLike): number {
    if (buffer === this.#lastBuffer) return this.#lastBase;
    let base = this.#bases.get(buffer);
    if (base === undefined) {
      base = libc.addressOf(Deno.UnsafePointer.of(buffer as ArrayBuffer));
      this.#bases.set(buffer, base);
    }
    this.#lastBuffer = buffer;
    this.#lastBase = base;
    return base;
  }

  /**
   * Gives the queued operations to the kernel, which makes at once those
   * that can complete now (data waiting, room to send); the rest wait for
   * their socket inside the kernel.
   */
  submit(): void {
    const n = this.#unsubmitted;
    if (n === 0 || this.#closed) return;
    Atomics.store(this.#u32, this.#sqTail, this.#u32[this.#sqTail] + n);
    this.#unsubmitted = 0;
    // A call that waits for nothing is not interrupted; were it, the kernel takes only the
    // entries still in the ring, so asking again is safe.
    if (libc.ioUringEnter(this.fd, n) === -libc.EINTR) libc.ioUringEnter(this.fd, n);
  }

  /** Calls back every completion that has arrived. */
  reap(): void {
    const u32 = this.#u32;
    let head = u32[this.#cqHead];
    const tail = Atomics.load(u32, this.#cqTail);
    while (head !== tail) {
      const at = (head & this.#cqMask) * CQE_SIZE;
      const slot = this.#cqes.getUint32(at, true);
      const result = this.#cqes.getInt32(at + 8, true);
      head = (head + 1) >>> 0;
      const op = this.#ops[slot];
      this.#ops[slot] = undefined;
      this.#free.push(slot);
      if (op === undefined) continue;
      if (op.kind === "recv" && result > 0 && op.buf.buffer.byteLength <= SMALL) {
        op.buf.set(this.#staging.subarray(slot * SMALL, slot * SMALL + result));
      }
      op.done(result);
    }
    Atomics.store(u32, this.#cqHead, head);
  }

  /**
   * Unmaps the ring and closes it. Operations still in the kernel are
   * cancelled by the kernel; their callbacks are not called.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    libc.close(this.fd);
    libc.munmap(this.#sqesPtr, this.#entries * SQE_SIZE);
    libc.munmap(this.#ring, this.#ringSize);
    libc.munmap(this.#stagingPtr, this.#entries * SMALL);
  }
}
