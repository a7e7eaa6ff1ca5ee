// The settings the page's form offers: the query fields of a run (the
// `socklab sim` flags without the dashes), grouped as the form shows them.
// The parsing and the limits are run.ts's, applied in the worker.

/** One field of the form. */
export interface FormField {
  /** The query field. */
  readonly name: string;
  /** The label. */
  readonly label: string;
  /** The fieldset it goes in. */
  readonly group: string;
  /** A text box, a checkbox or a list of choices. */
  readonly kind: "text" | "check" | "choice";
  /** The default, greyed in an empty box. */
  readonly placeholder?: string;
  /** For "choice": the options, the default first. */
  readonly choices?: readonly string[];
}

export const FIELDS: readonly FormField[] = [
  {
    name: "bytes",
    label: "Bytes, client to server",
    group: "Transfer",
    kind: "text",
    placeholder: "10KB",
  },
  {
    name: "reply-bytes",
    label: "Reply bytes, server to client",
    group: "Transfer",
    kind: "text",
    placeholder: "0",
  },
  {
    name: "close",
    label: "Close order",
    group: "Transfer",
    kind: "choice",
    choices: ["client-first", "server-first", "simultaneous"],
  },
  { name: "simultaneous-open", label: "Simultaneous open", group: "Transfer", kind: "check" },
  {
    name: "stall",
    label: "Server reads nothing until",
    group: "Transfer",
    kind: "text",
    placeholder: "0ms",
  },
  { name: "seed", label: "Seed", group: "Transfer", kind: "text", placeholder: "1" },
  {
    name: "loss",
    label: "Loss %",
    group: "Link (both directions)",
    kind: "text",
    placeholder: "0",
  },
  {
    name: "reorder",
    label: "Reorder %",
    group: "Link (both directions)",
    kind: "text",
    placeholder: "0",
  },
  {
    name: "duplicate",
    label: "Duplicate %",
    group: "Link (both directions)",
    kind: "text",
    placeholder: "0",
  },
  {
    name: "corrupt",
    label: "Corrupt %",
    group: "Link (both directions)",
    kind: "text",
    placeholder: "0",
  },
  {
    name: "delay",
    label: "One-way delay",
    group: "Link (both directions)",
    kind: "text",
    placeholder: "10ms",
  },
  {
    name: "jitter",
    label: "Jitter ±",
    group: "Link (both directions)",
    kind: "text",
    placeholder: "0ms",
  },
  {
    name: "mtu",
    label: "MTU, bytes",
    group: "Link (both directions)",
    kind: "text",
    placeholder: "1500",
  },
  {
    name: "recv-buffer",
    label: "Receive buffer",
    group: "TCP",
    kind: "text",
    placeholder: "65535",
  },
  {
    name: "msl",
    label: "MSL (TIME-WAIT lasts 2×MSL)",
    group: "TCP",
    kind: "text",
    placeholder: "1s",
  },
];
