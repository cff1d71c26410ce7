/**
 * The real-time side's Prometheus series: open sockets (a gauge read at scrape time),
 * frames in and out by type, and live delivery latency (storedAt → written to the
 * socket). Web Push outcomes are counted by the push worker.
 */
import type { WireMessage } from '@twin/chat-protocol';
import type { Metrics } from '@twin/platform';

const LATENCY_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class RealtimeMetrics {
  readonly framesInTotal;
  readonly #inByType = new Map<string, { inc(): void }>();
  readonly framesOutTotal;
  readonly #outByType = new Map<string, { inc(): void }>();
  readonly deliveryLatency;
  readonly lagging;
  readonly serverCloses;

  constructor(metrics: Metrics, openSockets: () => number) {
    metrics.gaugeFrom('chat_ws_open_sockets', 'Open chat WebSocket connections on this node.', openSockets);
    this.framesInTotal = metrics.counter('chat_ws_frames_in_total', 'Client frames received, by type (`invalid` for protocol violations).', ['type']);
    this.framesOutTotal = metrics.counter('chat_ws_frames_out_total', 'Server frames sent, by type.', ['type']);
    this.lagging = metrics.counter('chat_ws_lagging_total', 'Times a socket’s send buffer passed CHAT_WS_MAX_BUFFERED and live push to it stopped (it catches up from the log).');
    this.serverCloses = metrics.counter('chat_ws_server_closes_total', 'Sockets the server closed, by close code (4001 auth, 4003 revoked, 4008 idle, 4029 too slow, 1008 protocol, 1001 shutdown).', ['code']);
    this.deliveryLatency = metrics.histogram('chat_delivery_latency_seconds', 'Live messages: time from commit (storedAt) to being written to a recipient socket.', LATENCY_BUCKETS);
  }

  /** Per-type children are cached: a label lookup per frame is measurable at 100k frames/s. */
  framesOut(type: string): void {
    let child = this.#outByType.get(type);
    if (!child) this.#outByType.set(type, (child = this.framesOutTotal.labels(type)));
    child.inc();
  }

  frameIn(type: string): void {
    let child = this.#inByType.get(type);
    if (!child) this.#inByType.set(type, (child = this.framesInTotal.labels(type)));
    child.inc();
  }

  closedByServer(code: number): void {
    this.serverCloses.inc({ code: String(code) });
  }

  observeDelivered(messages: readonly WireMessage[]): void {
    const now = Date.now();
    for (const message of messages) this.deliveryLatency.observe(Math.max(0, now - message.storedAt) / 1000);
  }
}
