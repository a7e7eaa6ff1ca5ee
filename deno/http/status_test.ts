import assert from "node:assert/strict";
import { reasonPhrase } from "./status.ts";

Deno.test("reasonPhrase() gives RFC 9110's phrase for every status the server answers with", () => {
  assert.deepEqual(
    [100, 200, 400, 408, 413, 417, 431, 500, 501, 503, 505].map(reasonPhrase),
    [
      "Continue",
      "OK",
      "Bad Request",
      "Request Timeout",
      "Content Too Large",
      "Expectation Failed",
      "Request Header Fields Too Large",
      "Internal Server Error",
      "Not Implemented",
      "Service Unavailable",
      "HTTP Version Not Supported",
    ],
  );
});

Deno.test("reasonPhrase() gives an empty phrase for a code it has none for", () => {
  assert.equal(reasonPhrase(299), "");
  assert.equal(reasonPhrase(0), "");
});
