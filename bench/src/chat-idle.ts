/**
 * Memory of idle authenticated sockets on the chat server: RSS of the server process with
 * no sockets, then with n sockets open (each authenticated with a device token, nothing
 * flowing but heartbeats). Clients run in child processes on core 0, each under the
 * per-process open-file limit, over several 127.0.0.x source addresses.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { rssBytes, startChild, type ChildServer } from './chat-process.ts';
import { createBenchDevice } from './chat-setup.ts';
import { wsUrl } from './chat-wire.ts';

export interface IdleResult {
  sockets: number;
  baselineRss: number;
  rss: number;
  bytesPerSocket: number;
}

const SOURCE_ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];

async function settle(pid: number): Promise<number> {
  // RSS after the connect burst's garbage is collected: take the lowest of a few readings.
  let lowest = Infinity;
  for (let i = 0; i < 5; i++) {
    await sleep(1_000);
    lowest = Math.min(lowest, rssBytes(pid));
  }
  return lowest;
}

/** Opens `counts` sockets in steps against one server and reads its RSS at each step. */
export async function measureIdleSockets(server: ChildServer, baseUrl: string, counts: readonly number[], perClientProcess: number): Promise<IdleResult[]> {
  const devices = await Promise.all(Array.from({ length: 20 }, () => createBenchDevice(baseUrl)));
  const tokens = devices.map((d) => d.token).join(',');
  const baselineRss = await settle(server.pid);
  const results: IdleResult[] = [];
  const clients: ChildServer[] = [];
  let open = 0;
  try {
    for (const target of counts) {
      while (open < target) {
        const n = Math.min(perClientProcess, target - open);
        const client = await startChild(join(import.meta.dirname, 'chat-idle-client.ts'), { core: 0, args: [wsUrl(baseUrl), String(n), tokens, SOURCE_ADDRESSES.join(',')] });
        clients.push(client);
        const [, ready, , failed] = client.firstLine.split(' ');
        if (Number(failed) > 0) console.log(`  ${failed} sockets failed to open`);
        open += Number(ready);
        if (Number(ready) === 0) throw new Error('no socket opened');
      }
      const rss = await settle(server.pid);
      results.push({ sockets: open, baselineRss, rss, bytesPerSocket: (rss - baselineRss) / open });
      console.log(`  ${open.toLocaleString('en-US')} idle sockets: server RSS ${(rss / 2 ** 20).toFixed(0)} MiB (${((rss - baselineRss) / open / 1024).toFixed(1)} KiB/socket over the ${(baselineRss / 2 ** 20).toFixed(0)} MiB baseline)`);
    }
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
  }
  return results;
}
