// Window scaling (RFC 7323 §2): offered in every SYN unless turned off (with
// the smallest shift that fits the receive buffer), in force only when both
// SYNs carry it, never applied to the windows of SYN segments themselves.
import assert from "node:assert/strict";
import { recv, send, socket, socketListen, socketSynSent, windowOf } from "./_testing.ts";
import { LOCAL, REMOTE } from "./_testing.ts";

const BIG = { recvBufferSize: 1 << 20 }; // 1 MiB: shift 5

Deno.test("SYN-SENT: a receive buffer over 64 KiB offers the smallest shift that fits", () => {
  const s = socket(BIG);
  s.connect(0, LOCAL, REMOTE);
  const [syn] = s.poll(0);
  assert.equal(syn.windowScale, 5);
  assert.equal(syn.window, 65535); // a SYN's window is never scaled
});

Deno.test("SYN-SENT: a buffer of 64 KiB or less offers window scaling with shift 0", () => {
  const s = socket();
  s.connect(0, LOCAL, REMOTE);
  assert.equal(s.poll(0)[0].windowScale, 0);
});

Deno.test("SYN-SENT: windowScaling off offers no window scale, whatever the buffer", () => {
  const s = socket({ ...BIG, windowScaling: false });
  s.connect(0, LOCAL, REMOTE);
  const [syn] = s.poll(0);
  assert.equal(syn.windowScale, null);
  send(s, { seq: 0, ack: 1, control: "syn", mss: 1460, windowScale: 7, window: 1000 });
  assert.equal(windowOf(s), 65535); // the window is capped at 16 bits
  assert.equal(s.options.windowScale, null);
});

Deno.test("ESTABLISHED: with both SYNs scaling, windows are shifted both ways", () => {
  const s = socketSynSent(BIG);
  send(s, { seq: 0, ack: 1, control: "syn", mss: 1460, windowScale: 2, window: 1000 });
  assert.equal(s.tcb.sndWnd, 1000); // the SYN-ACK's window is unscaled
  assert.equal(windowOf(s), (1 << 20) >> 5); // our ACK's window, shifted by 5
  send(s, { seq: 1, ack: 1, window: 1000 });
  assert.equal(s.tcb.sndWnd, 4000);
});

Deno.test("ESTABLISHED: a SYN-ACK without the option turns scaling off both ways", () => {
  const s = socketSynSent(BIG);
  send(s, { seq: 0, ack: 1, control: "syn", mss: 1460, window: 1000 });
  assert.equal(windowOf(s), 65535);
  send(s, { seq: 1, ack: 1, window: 1000 });
  assert.equal(s.tcb.sndWnd, 1000);
});

Deno.test("LISTEN: the SYN-ACK offers scaling only to a SYN that did", () => {
  const a = socketListen(BIG);
  send(a, { seq: 0, control: "syn", mss: 1460, windowScale: 7 });
  assert.deepEqual(recv(a), ["SYN,ACK seq=0 ack=1 mss=1460 ws=5"]);
  send(a, { seq: 1, ack: 1, window: 10 });
  assert.equal(a.tcb.sndWnd, 10 << 7);
  const b = socketListen(BIG);
  send(b, { seq: 0, control: "syn", mss: 1460 });
  assert.deepEqual(recv(b), ["SYN,ACK seq=0 ack=1 mss=1460"]);
});

Deno.test("LISTEN: a shift above 14 is treated as 14 (RFC 7323 §2.3)", () => {
  const s = socketListen(BIG);
  send(s, { seq: 0, control: "syn", windowScale: 15 });
  recv(s);
  send(s, { seq: 1, ack: 1, window: 1 });
  assert.equal(s.tcb.sndWnd, 1 << 14);
});

Deno.test("TcpSocket(): a receive buffer above 1 GiB is a RangeError", () => {
  assert.throws(() => socket({ recvBufferSize: 2 ** 30 + 1 }), /RFC 7323/);
});
