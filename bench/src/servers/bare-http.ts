/**
 * Baseline server: bare node:http answering exactly the bytes and headers our /healthz
 * sends, so the benchmark measures what the platform stack costs on top of Node itself.
 */
// The same V8 settings as the platform server it is compared with.
import '@twin/platform/runtime-flags';
import { createServer } from 'node:http';
import { requestIdMinter } from '../../../platform/src/http/request-ids.ts';

const body = Buffer.from('{"status":"ok"}');
// Request ids minted by the platform's own minter, so both pay the same.
const mintRequestId = requestIdMinter();
const server = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, 'x-request-id': mintRequestId() });
    res.end(body);
  } else {
    res.writeHead(404).end();
  }
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
