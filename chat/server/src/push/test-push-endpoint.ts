/**
 * A local Web Push endpoint for tests (never used in production): it plays the browser
 * and the push service at once. It holds a real subscription key pair (P-256 ECDH + a
 * 16-byte auth secret), receives the RFC 8030 POSTs on node:http, and decrypts each body
 * per RFC 8291 / RFC 8188 (aes128gcm), so a test can check the headers a real push
 * service checks and read exactly what the server disclosed.
 */
import { createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedPush {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The decrypted payload (throws when the body is not a valid aes128gcm message for our keys). */
  decrypt(): string;
}

export class TestPushEndpoint {
  readonly received: ReceivedPush[] = [];
  /** Status the endpoint answers with (410 simulates an expired subscription). */
  status = 201;
  readonly #ecdh = createECDH('prime256v1');
  readonly #auth = randomBytes(16);
  readonly #server: Server;
  #url = '';

  constructor() {
    this.#ecdh.generateKeys();
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.received.push({ path: req.url ?? '', headers: req.headers, body, decrypt: () => this.decrypt(body) });
        res.writeHead(this.status).end();
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    this.#url = `http://127.0.0.1:${address.port}`;
  }

  /** The PushSubscription JSON a browser would hand the app. */
  subscription(path = '/push/1'): { endpoint: string; keys: { p256dh: string; auth: string } } {
    return { endpoint: `${this.#url}${path}`, keys: { p256dh: this.#ecdh.getPublicKey().toString('base64url'), auth: this.#auth.toString('base64url') } };
  }

  /** RFC 8291 §3.3–3.4 key derivation and RFC 8188 §2 record decryption (single record). */
  decrypt(body: Buffer): string {
    const salt = body.subarray(0, 16);
    const recordSize = body.readUInt32BE(16);
    const idLength = body[20]!;
    const serverPublic = body.subarray(21, 21 + idLength);
    const record = body.subarray(21 + idLength);
    if (record.length > recordSize) throw new Error('more than one record');
    const ecdhSecret = this.#ecdh.computeSecret(serverPublic);
    const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), this.#ecdh.getPublicKey(), serverPublic]);
    const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, this.#auth, keyInfo, 32));
    const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
    const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(record.subarray(record.length - 16));
    const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
    // RFC 8188 §2: the last record ends with the delimiter 0x02 followed by zero padding.
    const end = padded.lastIndexOf(2);
    if (end < 0 || padded.subarray(end + 1).some((b) => b !== 0)) throw new Error('bad padding');
    return padded.subarray(0, end).toString('utf8');
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
