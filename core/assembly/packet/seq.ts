// TCP sequence-number arithmetic (RFC 9293 §3.4; serial-number arithmetic in
// the style of RFC 1982). Sequence numbers are 32-bit and wrap: `a` is before
// `b` when the distance from `a` forward to `b` is less than 2^31. Every
// sequence comparison in the packet code is a sign test on this distance.

/** Signed distance from `b` forward to `a`: positive when `a` is after `b`. */
@inline export function seqDiff(a: u32, b: u32): i32 {
  return <i32>(a - b);
}
