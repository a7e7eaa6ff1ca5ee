import assert from "node:assert/strict";
import {
  AddrInUse,
  ConnectionRefused,
  ConnectionReset,
  NetError,
  PermissionDenied,
  SocketClosed,
  TimedOut,
  toNetError,
} from "./errors.ts";

const local = { family: "inet", hostname: "127.0.0.1", port: 5000 } as const;
const remote = { family: "inet6", hostname: "::1", port: 80 } as const;

Deno.test("NetError messages name the operation and the endpoints known", () => {
  assert.equal(
    new NetError("boom", { op: "read", local, remote }).message,
    "read 127.0.0.1:5000 -> [::1]:80: boom",
  );
  assert.equal(
    new NetError("boom", { op: "connect", remote }).message,
    "connect to [::1]:80: boom",
  );
  assert.equal(
    new NetError("boom", { op: "listen", local }).message,
    "listen on 127.0.0.1:5000: boom",
  );
  assert.equal(new NetError("boom", { op: "close" }).message, "close: boom");
  const e = new TimedOut("late", { op: "connect", remote });
  assert.ok(e instanceof NetError && e instanceof Error);
  assert.equal(e.name, "TimedOut");
  assert.equal(e.reason, "late");
  assert.deepEqual(e.remote, remote);
});

Deno.test("toNetError() maps Deno's errors to typed NetErrors and keeps the cause", () => {
  const table: [Error, new (...a: never[]) => NetError, string][] = [
    [new Deno.errors.ConnectionRefused("x"), ConnectionRefused, "connection refused"],
    [new Deno.errors.AddrInUse("x"), AddrInUse, "address already in use"],
    [new Deno.errors.TimedOut("x"), TimedOut, "timed out"],
    [new Deno.errors.PermissionDenied("x"), PermissionDenied, "permission denied (x)"],
    [new Deno.errors.ConnectionReset("x"), ConnectionReset, "connection reset by peer"],
    [new Deno.errors.BrokenPipe("x"), ConnectionReset, "broken pipe (the peer is gone)"],
    [new Deno.errors.BadResource("x"), SocketClosed, "socket is closed"],
  ];
  for (const [cause, Type, reason] of table) {
    const e = toNetError(cause, { op: "write", local, remote }) as NetError;
    assert.ok(e instanceof Type, `${cause.name} -> ${e}`);
    assert.equal(e.reason, reason);
    assert.equal(e.cause, cause);
  }
  const missing = toNetError(new Deno.errors.NotFound("x"), { op: "connect", remote });
  assert.ok(missing instanceof ConnectionRefused);
  assert.equal((missing as NetError).reason, "no socket at this path");
});

Deno.test("toNetError() passes NetErrors and aborts through and wraps the unknown", () => {
  const net = new SocketClosed("closed", { op: "read" });
  assert.equal(toNetError(net, { op: "x" }), net);
  const abort = new DOMException("stop", "AbortError");
  assert.equal(toNetError(abort, { op: "x" }), abort);
  const other = toNetError(new Error("strange"), { op: "send", local }) as NetError;
  assert.ok(other instanceof NetError);
  assert.equal(other.message, "send on 127.0.0.1:5000: strange");
});
