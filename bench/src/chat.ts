/**
 * The `chat` benchmark (`npm run bench -- chat [--quick]`), on the embedded engines:
 * 1. throughput — N sender/receiver pairs over WebSocket at saturation: messages/s
 *    persisted, delivered and acked, against a bare `ws` relay on the same load;
 * 2. latency — send → deliver p50/p99 at half of the measured maximum (relay likewise);
 * 3. idle sockets — server RSS per authenticated idle socket;
 * 4. catch-up — messages/s a device receives when it reconnects to a backlog.
 * Server (or relay) in its own process on core 1, load generator on core 0; the runs
 * alternate relay and chat so drift hits both. Figures are medians over the runs.
 */
import { join } from 'node:path';
import { measureCatchUp } from './chat-catchup.ts';
import { measureIdleSockets } from './chat-idle.ts';
import { paced, saturate, type LatencyResult, type LoadPair, type ThroughputResult } from './chat-load.ts';
import { openFileLimit, startChild, type ChildServer } from './chat-process.ts';
import { createPairs } from './chat-setup.ts';
import { wsUrl } from './chat-wire.ts';
import { pinned } from './http-load.ts';
import { median, printTable, writeReport } from './report.ts';

const here = import.meta.dirname;
const startChat = () => startChild(join(here, 'chat-server.ts'), { core: 1 });
const startRelay = () => startChild(join(here, 'chat-relay.ts'), { core: 1 });
const baseUrlOf = (server: ChildServer) => `http://127.0.0.1:${server.port}`;

async function withServer<T>(start: () => Promise<ChildServer>, body: (server: ChildServer) => Promise<T>): Promise<T> {
  const server = await start();
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const pairCount = quick ? 8 : 32;
  const seconds = quick ? 3 : 8;
  const runs = quick ? 1 : 3;
  const catchUpCount = quick ? 20_000 : 100_000;
  const idleTarget = quick ? 20_000 : 100_000;
  // Each process may hold at most this many sockets (fds) here; the server needs a few for itself.
  const perProcess = Math.min(idleTarget, openFileLimit() - 1_000);

  const chatThroughput: ThroughputResult[] = [];
  const relayThroughput: ThroughputResult[] = [];
  const chatLatency: LatencyResult[] = [];
  const chatLightLatency: LatencyResult[] = [];
  const relayLatency: LatencyResult[] = [];
  console.log(`Throughput: ${pairCount} sender/receiver pairs, window 32 unconfirmed sends each, ${seconds} s × ${runs} runs; latency at half the max rate`);
  for (let r = 0; r < runs; r++) {
    await withServer(startRelay, async (relay) => {
      const url = wsUrl(baseUrlOf(relay));
      const pairs: LoadPair[] = Array.from({ length: pairCount }, (_, i) => ({ senderToken: `c${i}`, receiverToken: `c${i}`, conversationId: String(i + 1) }));
      const max = await saturate(url, pairs, seconds);
      relayThroughput.push(max);
      const half = await paced(url, pairs, seconds, max.deliveredPerSecond / 2);
      relayLatency.push(half);
      console.log(`  run ${r + 1}/${runs} relay  ${Math.round(max.deliveredPerSecond).toLocaleString('en-US')} msgs/s delivered; at half: p50 ${half.p50Ms.toFixed(2)} ms, p99 ${half.p99Ms.toFixed(2)} ms`);
    });
    await withServer(startChat, async (chat) => {
      const baseUrl = baseUrlOf(chat);
      const pairs: LoadPair[] = (await createPairs(baseUrl, pairCount)).map((p) => ({ senderToken: p.sender.token, receiverToken: p.receiver.token, conversationId: p.conversationId }));
      const max = await saturate(wsUrl(baseUrl), pairs, seconds);
      chatThroughput.push(max);
      const half = await paced(wsUrl(baseUrl), pairs, seconds, max.deliveredPerSecond / 2);
      chatLatency.push(half);
      // The same at a tenth of the max: how much of the half-load latency is queueing.
      const light = await paced(wsUrl(baseUrl), pairs, seconds, max.deliveredPerSecond / 10);
      chatLightLatency.push(light);
      console.log(
        `  run ${r + 1}/${runs} chat   ${Math.round(max.persistedPerSecond).toLocaleString('en-US')} persisted, ${Math.round(max.deliveredPerSecond).toLocaleString('en-US')} delivered, ${Math.round(max.ackedPerSecond).toLocaleString('en-US')} acked msgs/s; at half (${Math.round(half.deliveredPerSecond).toLocaleString('en-US')} msgs/s): p50 ${half.p50Ms.toFixed(2)} ms, p99 ${half.p99Ms.toFixed(2)} ms (send-result p50 ${half.persistP50Ms.toFixed(2)} ms); at a tenth: p50 ${light.p50Ms.toFixed(2)} ms, p99 ${light.p99Ms.toFixed(2)} ms`,
      );
    });
  }

  console.log(`Catch-up: one device reconnects to ${catchUpCount.toLocaleString('en-US')} missed messages, ${runs} times after a warm-up of ${(catchUpCount / 5).toLocaleString('en-US')}`);
  const catchUps = await withServer(startChat, async (chat) => {
    const url = wsUrl(baseUrlOf(chat));
    const [warmUp, ...pairs] = await createPairs(baseUrlOf(chat), 1 + runs);
    // A server catches up devices all day: measure it with its read path compiled, not cold.
    await measureCatchUp(url, warmUp!, catchUpCount / 5);
    const results = [];
    for (const pair of pairs) {
      const result = await measureCatchUp(url, pair, catchUpCount);
      console.log(`  ${Math.round(result.messagesPerSecond).toLocaleString('en-US')} msgs/s (${result.seconds.toFixed(2)} s; backlog written at ${Math.round(result.seedPerSecond).toLocaleString('en-US')} msgs/s)`);
      results.push(result);
    }
    return results;
  });
  const catchUp = { messages: catchUpCount, messagesPerSecond: median(catchUps.map((c) => c.messagesPerSecond)) };

  const idleCounts = quick ? [perProcess] : [Math.floor(perProcess / 2), perProcess];
  console.log(`Idle sockets: ${idleCounts.map((n) => n.toLocaleString('en-US')).join(' then ')} authenticated sockets (open-file limit ${openFileLimit().toLocaleString('en-US')} per process)`);
  const idle = await withServer(startChat, (chat) => measureIdleSockets(chat, baseUrlOf(chat), idleCounts, Math.floor(perProcess / 2)));
  const top = idle.at(-1)!;
  // Beyond the fd limit, project linearly from the marginal cost between the measured points.
  const slope = idle.length > 1 ? (top.rss - idle[0]!.rss) / (top.sockets - idle[0]!.sockets) : top.bytesPerSocket;
  const projected = top.sockets >= idleTarget ? top.rss : top.rss + slope * (idleTarget - top.sockets);

  const med = (values: number[]) => median(values);
  const metrics: Record<string, number> = {
    chat_persisted_msgs_per_s: med(chatThroughput.map((t) => t.persistedPerSecond)),
    chat_delivered_msgs_per_s: med(chatThroughput.map((t) => t.deliveredPerSecond)),
    chat_acked_msgs_per_s: med(chatThroughput.map((t) => t.ackedPerSecond)),
    chat_half_load_msgs_per_s: med(chatLatency.map((l) => l.deliveredPerSecond)),
    chat_half_load_p50_ms: med(chatLatency.map((l) => l.p50Ms)),
    chat_half_load_p99_ms: med(chatLatency.map((l) => l.p99Ms)),
    chat_tenth_load_p50_ms: med(chatLightLatency.map((l) => l.p50Ms)),
    chat_tenth_load_p99_ms: med(chatLightLatency.map((l) => l.p99Ms)),
    chat_half_load_persist_p50_ms: med(chatLatency.map((l) => l.persistP50Ms)),
    chat_half_load_persist_p99_ms: med(chatLatency.map((l) => l.persistP99Ms)),
    catch_up_msgs_per_s: catchUp.messagesPerSecond,
    catch_up_messages: catchUp.messages,
    idle_sockets_measured: top.sockets,
    idle_rss_mib_measured: top.rss / 2 ** 20,
    idle_kib_per_socket: slope / 1024,
    [`idle_rss_gib_at_${idleTarget / 1000}k${top.sockets >= idleTarget ? '' : '_projected'}`]: projected / 2 ** 30,
  };
  const baseline: Record<string, number> = {
    relay_delivered_msgs_per_s: med(relayThroughput.map((t) => t.deliveredPerSecond)),
    relay_half_load_p50_ms: med(relayLatency.map((l) => l.p50Ms)),
    relay_half_load_p99_ms: med(relayLatency.map((l) => l.p99Ms)),
  };
  const ratio: Record<string, number> = {
    chat_vs_relay_delivered: metrics.chat_delivered_msgs_per_s! / baseline.relay_delivered_msgs_per_s!,
    // Each chat run against the relay run just before it: less exposed to drift on a shared machine.
    chat_vs_relay_delivered_pairwise_median: med(chatThroughput.map((t, i) => t.deliveredPerSecond / relayThroughput[i]!.deliveredPerSecond)),
  };

  console.log('');
  printTable([
    { metric: 'delivered msgs/s, chat vs bare ws relay', ours: metrics.chat_delivered_msgs_per_s!, baseline: baseline.relay_delivered_msgs_per_s, ratio: ratio.chat_vs_relay_delivered, unit: 'msgs/s' },
    { metric: '  same, median of per-run ratios', ours: metrics.chat_delivered_msgs_per_s!, ratio: ratio.chat_vs_relay_delivered_pairwise_median, unit: 'msgs/s' },
    { metric: 'persisted msgs/s', ours: metrics.chat_persisted_msgs_per_s!, unit: 'msgs/s' },
    { metric: 'acked msgs/s', ours: metrics.chat_acked_msgs_per_s!, unit: 'msgs/s' },
    { metric: 'p50 send→deliver at half load', ours: metrics.chat_half_load_p50_ms!, baseline: baseline.relay_half_load_p50_ms, unit: 'ms' },
    { metric: 'p99 send→deliver at half load (target ≤ 20)', ours: metrics.chat_half_load_p99_ms!, baseline: baseline.relay_half_load_p99_ms, unit: 'ms' },
    { metric: 'p50 send→send-result at half load (the sender\'s answer)', ours: metrics.chat_half_load_persist_p50_ms!, unit: 'ms' },
    { metric: 'p99 send→send-result at half load', ours: metrics.chat_half_load_persist_p99_ms!, unit: 'ms' },
    { metric: 'p50 send→deliver at a tenth of the max', ours: metrics.chat_tenth_load_p50_ms!, unit: 'ms' },
    { metric: 'p99 send→deliver at a tenth of the max', ours: metrics.chat_tenth_load_p99_ms!, unit: 'ms' },
    { metric: `catch-up of ${catchUp.messages.toLocaleString('en-US')} missed (target ≥ 200k)`, ours: catchUp.messagesPerSecond, unit: 'msgs/s' },
    { metric: `idle sockets measured`, ours: top.sockets, unit: 'sockets' },
    { metric: 'server RSS per idle socket', ours: slope / 1024, unit: 'KiB' },
    { metric: `server RSS at ${idleTarget.toLocaleString('en-US')} sockets${top.sockets >= idleTarget ? '' : ' (projected)'} (target ≤ 1.5)`, ours: projected / 2 ** 30, unit: 'GiB' },
  ]);
  const path = writeReport({
    name: 'chat',
    runs,
    metrics,
    baseline,
    ratio,
    notes: [
      `Server (chat: platform + chat feature on SQLite, in-process bus and cache; or the relay) in its own process${pinned ? ' pinned to core 1' : ''}, load generator${pinned ? ' pinned to core 0' : ''} speaking protocol v1 with the ws package; ${pairCount} pairs, each its own direct conversation, 24-byte bodies.`,
      'Throughput: each sender keeps 32 sends unconfirmed; persisted = send-results, delivered = messages arriving at receivers, acked = messages covered by the receivers\' cumulative acks (one per deliver frame); 1 s warm-up excluded. The relay does no auth, storage or acks; neither it nor the chat server sends a message back to the device that sent it, and each sender acks its own messages from their send-results, coalesced over 20 ms, as the SDK does.',
      'Latency: paced sends at half (and, for the chat server, a tenth) of the run\'s own measured max delivered rate; send → deliver measured in the load generator with one clock.',
      `Idle sockets: the open-file limit here is ${openFileLimit()} per process (not raisable in this container), so one server process holds at most ~${perProcess.toLocaleString('en-US')} sockets; ${top.sockets >= idleTarget ? 'measured directly' : `the ${idleTarget.toLocaleString('en-US')}-socket figure is projected linearly from the marginal RSS per socket${idle.length > 1 ? ' between the two measured points' : ''}`}. Clients use ${5} source addresses 127.0.0.1–5 and 20 device tokens.`,
      `Catch-up: backlog written by one sender (window 256), then the offline device connects; clock from auth to caught-up, acking each deliver frame. Median of ${runs} catch-ups (each its own device and backlog) on one server, after a warm-up catch-up of a fifth the size.`,
    ],
  });
  console.log(`\nwrote ${path}`);
}
