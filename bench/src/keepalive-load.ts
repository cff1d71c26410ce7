/**
 * A minimal keep-alive HTTP/1.1 load generator for big responses: N connections, each
 * sending the next GET as soon as the previous body has fully arrived, counting bytes
 * without copying or parsing them. autocannon handles small responses well but tops out
 * near 35 requests/s (70 MB/s) on 2 MB bodies on this machine, a tenth of what nginx
 * sends, so it would measure itself; this client only splits responses by Content-Length.
 */
import { connect, type Socket } from 'node:net';

export interface KeepAliveResult {
  requestsPerSecond: number;
  bytesPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');

export async function keepAliveLoad(url: string, connections: number, seconds: number): Promise<KeepAliveResult> {
  const { hostname, port, pathname, search } = new URL(url);
  const request = Buffer.from(`GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUser-Agent: twin-bench\r\n\r\n`);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const latencies: number[] = [];
  let bytes = 0;
  let non2xx = 0;

  const runConnection = () =>
    new Promise<void>((resolve, reject) => {
      const socket: Socket = connect(Number(port), hostname);
      let head: Buffer | null = Buffer.alloc(0);
      let remaining = 0;
      let sentAt = 0;
      const send = () => {
        if (performance.now() >= deadline) {
          socket.destroy();
          resolve();
          return;
        }
        sentAt = performance.now();
        head = Buffer.alloc(0);
        socket.write(request);
      };
      socket.setNoDelay(true);
      socket.once('connect', send);
      socket.once('error', reject);
      socket.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        let rest = chunk;
        while (rest.length > 0) {
          if (head !== null) {
            // Still reading the status line and headers (they may span chunks).
            head = Buffer.concat([head, rest]);
            const end = head.indexOf(HEADER_END);
            if (end < 0) return;
            const text = head.subarray(0, end).toString('latin1');
            const status = Number(text.slice(9, 12));
            if (status < 200 || status > 299) non2xx++;
            const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
            if (!length) {
              socket.destroy();
              reject(new Error(`${url}: a response without Content-Length`));
              return;
            }
            remaining = Number(length[1]);
            rest = head.subarray(end + HEADER_END.length);
            head = null;
          }
          const take = Math.min(remaining, rest.length);
          remaining -= take;
          rest = rest.subarray(take);
          if (remaining === 0) {
            latencies.push(performance.now() - sentAt);
            send();
            if (rest.length > 0) return; // nothing should follow a response we have not asked for yet
          }
        }
      });
    });

  await Promise.all(Array.from({ length: connections }, runConnection));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { requestsPerSecond: latencies.length / elapsed, bytesPerSecond: bytes / elapsed, latencyP50Ms: at(0.5), latencyP99Ms: at(0.99), non2xx };
}
