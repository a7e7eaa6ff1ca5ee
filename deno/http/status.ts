/**
 * HTTP status codes and their reason phrases (RFC 9110 §15): the table the
 * server writes its status lines from. A reason phrase is advisory text for
 * people; clients act on the code alone (RFC 9112 §4).
 *
 * @module
 */

/** The reason phrases socklab writes, by status code (RFC 9110 §15). */
const REASONS: Readonly<Record<number, string>> = {
  100: "Continue",
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  417: "Expectation Failed",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

/**
 * The reason phrase for a status code.
 *
 * @param status A status code, 100 to 599.
 * @returns Its phrase as RFC 9110 §15 names it, or "" when it has none here.
 *
 * @example
 * ```ts
 * import { reasonPhrase } from "./status.ts";
 * import assert from "node:assert/strict";
 * assert.equal(reasonPhrase(413), "Content Too Large");
 * assert.equal(reasonPhrase(299), "");
 * ```
 */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? "";
}
