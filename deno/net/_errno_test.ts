import assert from "node:assert/strict";
import { errnoError } from "./_errno.ts";
import { Errno, withLibc } from "./_libc.ts";
import {
  AddrInUse,
  ConnectionRefused,
  ConnectionReset,
  NetError,
  NetworkUnreachable,
  PermissionDenied,
} from "./errors.ts";

const where = {
  op: "connect",
  remote: { family: "inet", hostname: "127.0.0.1", port: 9 },
} as const;

Deno.test("errnoError() maps each errno to its typed NetError, naming the call's failure", () => {
  const table: [number, new (...args: never[]) => NetError, RegExp][] = [
    [1, PermissionDenied, /permission denied \(operation not permitted\)/],
    [13, PermissionDenied, /permission denied \(permission denied\)/],
    [98, AddrInUse, /address already in use/],
    [111, ConnectionRefused, /refused/],
    [2, ConnectionRefused, /no socket at this path/],
    [104, ConnectionReset, /connection reset by peer/],
    [32, ConnectionReset, /broken pipe/],
    [101, NetworkUnreachable, /unreachable/],
    [113, NetworkUnreachable, /unreachable/],
    [24, NetError, /too many open files/],
  ];
  withLibc(() => {
    for (const [errno, kind, message] of table) {
      const cause = new Errno("connect", errno);
      const error = errnoError(cause, where) as NetError;
      assert.ok(error instanceof kind, `errno ${errno}: ${error}`);
      assert.match(error.message, /^connect to 127\.0\.0\.1:9: /, `errno ${errno}`);
      assert.match(error.message, message, `errno ${errno}`);
      assert.equal(error.cause, cause);
    }
  });
});

Deno.test("errnoError() passes through what is not an errno", () => {
  const other = new TypeError("not a libc failure");
  assert.equal(errnoError(other, where), other);
});
