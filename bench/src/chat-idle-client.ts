/**
 * Child of the `chat` benchmark's idle-socket run: opens `count` authenticated sockets
 * (tokens from argv, used round-robin), spread over several 127.0.0.x source addresses
 * so no single address runs out of ephemeral ports, prints `ready <n>`, then holds them
 * — answering nothing, sending only the pings the heartbeat needs — until SIGTERM.
 */
import { openWire, type WireSocket } from './chat-wire.ts';

const [url, countText, tokensText, addressesText] = process.argv.slice(2);
const count = Number(countText);
const tokens = tokensText!.split(',');
const addresses = addressesText!.split(',');
const sockets: WireSocket[] = [];
let failed = 0;
const CONCURRENCY = 200;

let next = 0;
async function worker(): Promise<void> {
  while (next < count) {
    const i = next++;
    try {
      sockets.push(await openWire(url!, { token: tokens[i % tokens.length]!, localAddress: addresses[i % addresses.length]! }));
    } catch {
      failed++;
    }
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
process.stdout.write(`ready ${sockets.length} failed ${failed}\n`);
// Heartbeat: the gateway closes sockets that stay silent past its idle timeout.
const heartbeat = setInterval(() => {
  for (const socket of sockets) if (socket.ws.readyState === 1) socket.send({ type: 'ping' });
}, 10_000);
process.on('SIGTERM', () => {
  clearInterval(heartbeat);
  for (const socket of sockets) socket.close();
  process.exit(0);
});
