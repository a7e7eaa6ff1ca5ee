/// <reference lib="dom" />
// The kernel view: asks the server to open a real TCP connection over
// loopback and shows, live, what the Linux kernel reports about it, as the
// server streams it (server-sent events from /playground/kernel).
import { formatBytes, formatMs, html } from "./dom.ts";
import { TimePlot } from "./plots.ts";
import type { KernelSample as Sample } from "../kernel.ts";

export class KernelView {
  #source: EventSource | null = null;

  constructor(
    readonly button: HTMLButtonElement,
    readonly status: HTMLElement,
    readonly box: HTMLElement,
  ) {
    button.addEventListener("click", () => this.start());
  }

  start(): void {
    this.#source?.close();
    this.box.replaceChildren();
    const table = html("table", { class: "kernel-table" }, undefined, this.box);
    const head = html("tr", {}, undefined, html("thead", {}, undefined, table));
    for (const h of ["ms", "end", "state", "send-Q", "recv-Q", "cwnd", "ssthresh", "RTT", "RTO"]) {
      html("th", { scope: "col" }, h, head);
    }
    const body = html("tbody", {}, undefined, table);
    const plotBox = html("div", {}, undefined, this.box);
    const plot = new TimePlot(
      plotBox,
      "Kernel: client's cwnd (segments × MSS) and send queue",
      "bytes",
      150,
    );
    const samples: Sample[] = [];
    this.button.disabled = true;
    this.status.textContent = "connecting…";
    const source = new EventSource("/playground/kernel");
    this.#source = source;
    const finish = (text: string) => {
      source.close();
      this.button.disabled = false;
      this.status.textContent = text;
    };
    source.addEventListener("sample", (e) => {
      const s: Sample = JSON.parse((e as MessageEvent).data);
      samples.push(s);
      this.status.textContent = `${s.phase} · ${formatMs(s.time)} ms`;
      for (const [name, end] of [["client", s.client], ["server", s.server]] as const) {
        if (!end) continue;
        const row = html("tr", {}, undefined, body);
        for (
          const cell of [
            formatMs(s.time),
            name,
            end.state,
            formatBytes(end.sendQueue),
            formatBytes(end.recvQueue),
            end.cwnd === null ? "–" : String(end.cwnd),
            end.ssthresh === null ? "–" : String(end.ssthresh),
            end.rtt === null ? "–" : `${formatMs(end.rtt)} ms`,
            end.rto === null ? "–" : `${formatMs(end.rto)} ms`,
          ]
        ) html("td", {}, cell, row);
      }
      // Keep the table short: the last twelve rows.
      while (body.rows.length > 12) body.deleteRow(0);
      const withCwnd = samples.filter((x) => x.client?.cwnd != null);
      plot.draw(
        [
          {
            label: "cwnd",
            cls: "cwnd",
            kind: "step",
            time: withCwnd.map((x) => x.time),
            value: withCwnd.map((x) => x.client!.cwnd! * (x.client!.mss ?? 1)),
          },
          {
            label: "send queue",
            cls: "flight",
            kind: "step",
            time: samples.map((x) => x.time),
            value: samples.map((x) => x.client?.sendQueue ?? NaN),
          },
        ],
        [],
        s.time,
        "no samples yet",
      );
      plot.cursor(s.time);
    });
    source.addEventListener("done", (e) => finish(`done: ${(e as MessageEvent).data}`));
    source.addEventListener("failure", (e) => finish(`failed: ${(e as MessageEvent).data}`));
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED || samples.length === 0) {
        finish("the server closed the stream");
      }
    };
  }
}
