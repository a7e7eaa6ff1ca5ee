import assert from "node:assert/strict";
import {
  formatAddr,
  fromDenoAddr,
  inetAddr,
  isIPv4,
  isIPv6,
  parseAddr,
  UNIX_PATH_MAX,
  unixAddr,
} from "./addr.ts";

Deno.test("parseAddr() reads IPv4, bracketed IPv6 and unix paths", () => {
  const table: [string, unknown][] = [
    ["127.0.0.1:80", { family: "inet", hostname: "127.0.0.1", port: 80 }],
    ["0.0.0.0:0", { family: "inet", hostname: "0.0.0.0", port: 0 }],
    ["[::1]:8080", { family: "inet6", hostname: "::1", port: 8080 }],
    ["[fe80::1:2]:65535", { family: "inet6", hostname: "fe80::1:2", port: 65535 }],
    ["[::ffff:10.0.0.1]:53", { family: "inet6", hostname: "::ffff:10.0.0.1", port: 53 }],
    ["/run/echo.sock", { family: "unix", path: "/run/echo.sock" }],
    ["unix:rel/echo.sock", { family: "unix", path: "rel/echo.sock" }],
    ["unix:", { family: "unix", path: "" }],
  ];
  for (const [text, want] of table) assert.deepEqual(parseAddr(text), want, text);
});

Deno.test("parseAddr() rejects malformed text with SyntaxError and bad ports with RangeError", () => {
  for (
    const text of [
      "",
      "localhost",
      "1.2.3.4",
      "::1:80",
      "[::1]",
      "[::1]80",
      "1.2.3:80",
      "[1.2.3.4]:80",
      "1.2.3.4:http",
      "a b:1",
    ]
  ) {
    assert.throws(() => parseAddr(text), SyntaxError, text);
  }
  assert.throws(() => parseAddr("1.2.3.4:65536"), RangeError);
  assert.throws(() => parseAddr("[::1]:99999"), RangeError);
  assert.throws(() => parseAddr(42 as never), TypeError);
});

Deno.test("formatAddr() round-trips with parseAddr() and names unnamed sockets", () => {
  for (const text of ["10.0.0.1:1", "[2001:db8::1]:443", "/tmp/x.sock"]) {
    assert.equal(formatAddr(parseAddr(text)), text);
  }
  assert.equal(formatAddr({ family: "unix", path: "" }), "(unnamed)");
});

Deno.test("isIPv4() and isIPv6() accept only numeric addresses", () => {
  assert.deepEqual(["0.0.0.0", "255.255.255.255", "1.2.3.04", "256.1.1.1", "1.2.3"].map(isIPv4), [
    true,
    true,
    false,
    false,
    false,
  ]);
  assert.deepEqual(
    ["::", "::1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", ":::", "g::1", "::ffff:1.2.3.4"].map(
      isIPv6,
    ),
    [true, true, true, false, false, false, true],
  );
});

Deno.test("unixAddr() enforces sockaddr_un's 107-byte path, counted in UTF-8 bytes", () => {
  assert.equal(unixAddr("/" + "a".repeat(UNIX_PATH_MAX - 1)).family, "unix");
  assert.throws(() => unixAddr("/" + "a".repeat(UNIX_PATH_MAX)), RangeError);
  assert.throws(() => unixAddr("/" + "é".repeat(54)), /109 bytes is longer than the 107/);
  assert.throws(() => unixAddr("/tmp/a\0b"), TypeError);
});

Deno.test("inetAddr() infers the family and checks the port", () => {
  assert.equal(inetAddr("::", 0).family, "inet6");
  assert.equal(inetAddr("192.0.2.1", 65535).family, "inet");
  assert.throws(() => inetAddr("example.com", 80), SyntaxError);
  assert.throws(() => inetAddr("127.0.0.1", NaN), RangeError);
  assert.throws(() => inetAddr(1 as never, 80), TypeError);
});

Deno.test("fromDenoAddr() converts Deno's addresses", () => {
  assert.deepEqual(fromDenoAddr({ transport: "tcp", hostname: "::1", port: 1 }), {
    family: "inet6",
    hostname: "::1",
    port: 1,
  });
  assert.deepEqual(fromDenoAddr({ transport: "udp", hostname: "1.2.3.4", port: 2 }), {
    family: "inet",
    hostname: "1.2.3.4",
    port: 2,
  });
  assert.deepEqual(fromDenoAddr({ transport: "unix", path: "/p" }), { family: "unix", path: "/p" });
});
