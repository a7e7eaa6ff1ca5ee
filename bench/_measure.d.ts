// Types of _measure.js, the benchmarks' throughput loop.

/** One measured implementation. */
export interface Contender {
  /** The name its row carries. */
  name: string;
  /** Processes one buffer; the return value is kept alive to defeat dead-code elimination. */
  run: (data: Uint8Array) => unknown;
  /** Prepares the buffer it will be handed (for example, a copy in WASM memory). */
  prepare?: (data: Uint8Array) => Uint8Array;
}

/** Where {@link measureAll} is, reported before each round. */
export interface MeasureProgress {
  /** The buffer size being measured. */
  size: number;
  /** Its index in `sizes`. */
  sizeIndex: number;
  /** How many sizes in all. */
  sizes: number;
  /** The round about to run, from 0. */
  round: number;
  /** Rounds per size. */
  rounds: number;
}

/** Options for {@link measureAll}. */
export interface MeasureOptions {
  /** Time per round and contender, in milliseconds (tripled from 1 MiB up). */
  budgetMs?: number;
  /** Rounds per size; each round runs every contender once, in turn. */
  rounds?: number;
  /** Deterministic test data of a given length. */
  data?: (size: number) => Uint8Array;
  /** Told where the measurement is before each round. */
  onProgress?: (where: MeasureProgress) => void;
}

/** Best throughput in GB/s of `fn` over `data` across `rounds` rounds of `budgetMs`. */
export declare function throughput(
  fn: (d: Uint8Array) => unknown,
  data: Uint8Array,
  budgetMs?: number,
  rounds?: number,
): number;

/** Deterministic bytes that no checksum shortcut can exploit. */
export declare function testData(size: number): Uint8Array;

/** Best GB/s of every contender at every size, by contender name. */
export declare function measureAll(
  contenders: Contender[],
  sizes: number[],
  options?: MeasureOptions,
): Promise<Map<string, number[]>>;

/** Keeps results observable. */
export declare function keep(): unknown;
