/**
 * Loopback load for the `chat` benchmark: N sender/receiver socket pairs, each pair in its
 * own conversation. `saturate` keeps a window of unconfirmed sends per sender and counts
 * what the server persisted (`send-result`), delivered (`deliver` at the receiver) and
 * the receivers acked (cumulative `ack` per deliver frame) per second. `paced` sends at a
 * fixed total rate and measures send → deliver latency per message. The same code drives
 * the chat server and the bare relay.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerFrame } from '@twin/chat-protocol';
import { openWire, type WireSocket } from './chat-wire.ts';

export interface LoadPair {
  senderToken: string;
  receiverToken: string;
  conversationId: string;
}

interface Counters {
  persisted: number;
  delivered: number;
  acked: number;
}

export interface ThroughputResult {
  persistedPerSecond: number;
  deliveredPerSecond: number;
  ackedPerSecond: number;
}

export interface LatencyResult {
  deliveredPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  samples: number;
  /** send → send-result: the commit, then this node's fan-out, which goes out just before the answer. */
  persistP50Ms: number;
  persistP99Ms: number;
}

/** As the SDK's ack coalescing window (chat/client AckCoalescer). */
const SENDER_ACK_WINDOW_MS = 20;

/** ~24 bytes of opaque body, the size of a short encrypted text. */
const BODY = Buffer.alloc(24, 7).toString('base64url');
let runs = 0;

class PairLoad {
  readonly counters: Counters = { persisted: 0, delivered: 0, acked: 0 };
  readonly sentAt = new Map<string, number>();
  /** Send times kept until the send-result (sentAt is consumed by the delivery). */
  readonly #sendTimes = new Map<string, number>();
  readonly latencies: number[] = [];
  readonly persistLatencies: number[] = [];
  sender!: WireSocket;
  receiver!: WireSocket;
  sent = 0;
  inFlight = 0;
  #refill: (() => void) | undefined;
  readonly #prefix: string;
  readonly #pair: LoadPair;
  #receiverAcked = 0;
  #senderAcked = 0;
  #senderSeq = 0;
  #senderAckTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(pair: LoadPair, prefix: string) {
    this.#pair = pair;
    this.#prefix = prefix;
  }

  async open(url: string): Promise<void> {
    this.receiver = await openWire(url, { token: this.#pair.receiverToken, onFrame: (frame, socket) => this.#onReceiver(frame, socket) });
    this.sender = await openWire(url, { token: this.#pair.senderToken, onFrame: (frame, socket) => this.#onSender(frame, socket) });
  }

  send(): void {
    const clientMessageId = `${this.#prefix}-${this.sent++}`;
    const now = performance.now();
    this.sentAt.set(clientMessageId, now);
    this.#sendTimes.set(clientMessageId, now);
    this.inFlight++;
    this.sender.send({ type: 'send', clientMessageId, conversationId: this.#pair.conversationId, kind: 'message', body: BODY, sentAt: Date.now() });
  }

  /** Keeps `window` sends unconfirmed until `stop()`. */
  saturate(window: number): void {
    this.#refill = () => {
      while (this.inFlight < window) this.send();
    };
    this.#refill();
  }

  stop(): void {
    this.#refill = undefined;
  }

  close(): void {
    this.sender.close();
    this.receiver.close();
  }

  #onSender(frame: ServerFrame, sender: WireSocket): void {
    if (frame.type === 'send-result') {
      this.inFlight--;
      this.counters.persisted++;
      const sentAt = this.#sendTimes.get(frame.clientMessageId);
      if (sentAt !== undefined) {
        this.#sendTimes.delete(frame.clientMessageId);
        this.persistLatencies.push(performance.now() - sentAt);
      }
      this.#ackOwn(frame.seq, sender);
      this.#refill?.();
    }
  }

  /**
   * The server does not send a device its own messages back; the SDK feeds each send-result
   * into its receive path and acks it with the rest, coalesced over SENDER_ACK_WINDOW_MS.
   */
  #ackOwn(seq: number, sender: WireSocket): void {
    this.#senderSeq = Math.max(this.#senderSeq, seq);
    if (this.#senderAckTimer) return;
    this.#senderAckTimer = setTimeout(() => {
      this.#senderAckTimer = undefined;
      if (this.#senderSeq <= this.#senderAcked || sender.ws.readyState !== sender.ws.OPEN) return;
      this.#senderAcked = this.#senderSeq;
      sender.send({ type: 'ack', conversationId: this.#pair.conversationId, seq: this.#senderAcked });
    }, SENDER_ACK_WINDOW_MS);
  }

  #onReceiver(frame: ServerFrame, receiver: WireSocket): void {
    if (frame.type !== 'deliver') return;
    const now = performance.now();
    let highest = 0;
    for (const message of frame.messages) {
      highest = Math.max(highest, message.seq);
      const sentAt = message.clientMessageId === undefined ? undefined : this.sentAt.get(message.clientMessageId);
      if (sentAt === undefined) continue;
      this.sentAt.delete(message.clientMessageId!);
      this.counters.delivered++;
      this.latencies.push(now - sentAt);
    }
    if (highest > this.#receiverAcked) {
      this.counters.acked += highest - this.#receiverAcked;
      this.#receiverAcked = highest;
      receiver.send({ type: 'ack', conversationId: this.#pair.conversationId, seq: highest });
    }
  }
}

async function openPairs(url: string, pairs: readonly LoadPair[]): Promise<PairLoad[]> {
  const run = runs++;
  const loads = pairs.map((pair, i) => new PairLoad(pair, `r${run}p${i}`));
  for (const load of loads) await load.open(url);
  await sleep(200); // let connect-time catch-up settle
  return loads;
}

const total = (loads: PairLoad[]): Counters =>
  loads.reduce((sum, l) => ({ persisted: sum.persisted + l.counters.persisted, delivered: sum.delivered + l.counters.delivered, acked: sum.acked + l.counters.acked }), { persisted: 0, delivered: 0, acked: 0 });

async function drain(loads: PairLoad[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && loads.some((l) => l.inFlight > 0 || l.sentAt.size > 0)) await sleep(20);
}

/** Saturating load: the most the server persists, delivers and acks per second. */
export async function saturate(url: string, pairs: readonly LoadPair[], seconds: number, window = 32): Promise<ThroughputResult> {
  const loads = await openPairs(url, pairs);
  try {
    for (const load of loads) load.saturate(window);
    await sleep(1_000); // warm-up
    const start = total(loads);
    const t0 = performance.now();
    await sleep(seconds * 1_000);
    const end = total(loads);
    const elapsed = (performance.now() - t0) / 1_000;
    for (const load of loads) load.stop();
    await drain(loads);
    return {
      persistedPerSecond: (end.persisted - start.persisted) / elapsed,
      deliveredPerSecond: (end.delivered - start.delivered) / elapsed,
      ackedPerSecond: (end.acked - start.acked) / elapsed,
    };
  } finally {
    for (const load of loads) load.close();
  }
}

/** Paced load at `ratePerSecond` in total: send → deliver latency percentiles. */
export async function paced(url: string, pairs: readonly LoadPair[], seconds: number, ratePerSecond: number): Promise<LatencyResult> {
  const loads = await openPairs(url, pairs);
  try {
    const perPair = ratePerSecond / loads.length;
    const warmupMs = 1_000;
    const t0 = performance.now();
    let measuredFrom = -1;
    while (performance.now() - t0 < warmupMs + seconds * 1_000) {
      const elapsed = (performance.now() - t0) / 1_000;
      if (measuredFrom < 0 && elapsed * 1_000 >= warmupMs) {
        measuredFrom = loads[0]!.latencies.length;
        for (const load of loads) {
          load.latencies.length = 0;
          load.persistLatencies.length = 0;
        }
      }
      // Each pair's schedule is offset by its share of one interval: in step, all pairs
      // would send in the same tick, bursts no real population of senders makes.
      for (const [index, load] of loads.entries()) {
        const due = Math.floor(elapsed * perPair + index / loads.length) - load.sent;
        for (let i = 0; i < due; i++) load.send();
      }
      await sleep(2);
    }
    const delivered = loads.reduce((sum, l) => sum + l.latencies.length, 0);
    await drain(loads);
    const latencies = loads.flatMap((l) => l.latencies).sort((a, b) => a - b);
    const persist = loads.flatMap((l) => l.persistLatencies).sort((a, b) => a - b);
    const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
    return {
      deliveredPerSecond: delivered / seconds,
      p50Ms: at(latencies, 0.5),
      p99Ms: at(latencies, 0.99),
      samples: latencies.length,
      persistP50Ms: at(persist, 0.5),
      persistP99Ms: at(persist, 0.99),
    };
  } finally {
    for (const load of loads) load.close();
  }
}
