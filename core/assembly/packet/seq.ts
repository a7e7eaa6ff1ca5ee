// TCP sequence-number arithmetic (RFC 9293 §3.4; serial-number arithmetic in
// the style of RFC 1982). Sequence numbers are 32-bit and wrap: `a` is before
// `b` when the distance from `a` forward to `b` is less than 2^31. Every
// sequence comparison in the packet code goes through these helpers.

/** Signed distance from `b` forward to `a`: positive when `a` is after `b`. */
@inline export function seqDiff(a: u32, b: u32): i32 {
  return <i32>(a - b);
}

/** `a` comes strictly before `b`. */
@inline export function seqLt(a: u32, b: u32): bool {
  return <i32>(a - b) < 0;
}

/** `a` comes before or is `b`. */
@inline export function seqLe(a: u32, b: u32): bool {
  return <i32>(a - b) <= 0;
}

/** `a` comes strictly after `b`. */
@inline export function seqGt(a: u32, b: u32): bool {
  return <i32>(a - b) > 0;
}

/** `a` advanced by `n` bytes, wrapping at 2^32. */
@inline export function seqAdd(a: u32, n: u32): u32 {
  return a + n;
}
