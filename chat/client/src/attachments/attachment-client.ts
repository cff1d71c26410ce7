/**
 * Sends and fetches encrypted attachments. Upload: a fresh AES-256-GCM key, the file
 * encrypted chunk by chunk (`cipher-streams.ts`) and streamed to
 * `POST /v1/conversations/:id/attachments` while its SHA-256 is computed, then checked
 * against the digest the server computed of what it stored; the result is the pointer
 * the app sends inside the MLS message. Download: `GET /v1/attachments/:id` streamed
 * through verification and decryption. Nothing here holds a whole file in memory.
 *
 * Browsers: streaming a request body needs `duplex: 'half'` (Chrome, over HTTP/2 or
 * later). Where that is missing the ciphertext is first collected into a `Blob`, which
 * browsers keep on disk once large, then sent; pass `streamingUpload` to choose.
 */
import { fromBase64Url, toBase64Url } from '@twin/chat-protocol';
import type { ChatApi } from '../http/chat-api.ts';
import { parseJsonResponse, type DeviceTokenSource } from '../http/http-client.ts';
import { DeviceSession } from '../device-session.ts';
import type { StoredDevice } from '../store/interface.ts';
import { decryptStream, digestTap, encryptStream, equalBytes } from './cipher-streams.ts';
import { AttachmentIntegrityError } from './errors.ts';
import { ciphertextSize, createHeader, DEFAULT_CHUNK_SIZE, NONCE_PREFIX_BYTES } from './format.ts';
import { parsePointer, type AttachmentPointer } from './pointer.ts';

export type AttachmentSource = ReadableStream<Uint8Array> | Blob | Uint8Array;

export interface UploadOptions {
  readonly mime?: string;
  readonly name?: string;
  /** Plaintext bytes per chunk (default 64 KiB). */
  readonly chunkSize?: number;
  readonly signal?: AbortSignal;
}

export interface AttachmentClientOptions {
  readonly baseUrl: string;
  /** Device tokens (a `DeviceSession`). */
  readonly tokens: DeviceTokenSource;
  readonly fetch?: typeof fetch;
  /** Stream the request body (default: when the runtime supports it). */
  readonly streamingUpload?: boolean;
}

/** What the server answers an upload with. */
interface StoredAttachment {
  id: string;
  conversationId: string;
  size: number;
  sha256: string;
  storedAt: number;
  expiresAt: number;
}

/** The feature test from the Fetch standard's explainer: a runtime that can stream a request body reads `duplex`. */
function canStreamRequests(): boolean {
  let duplexRead = false;
  try {
    const hasContentType = new Request('http://localhost/', {
      method: 'POST',
      body: new ReadableStream(),
      get duplex() {
        duplexRead = true;
        return 'half';
      },
    } as RequestInit).headers.has('content-type');
    return duplexRead && !hasContentType;
  } catch {
    return false;
  }
}

export class AttachmentClient {
  readonly #baseUrl: string;
  readonly #tokens: DeviceTokenSource;
  readonly #fetch: typeof fetch;
  readonly #streaming: boolean;
  /** A session this client made itself (`forDevice`), closed with it. */
  #ownSession: DeviceSession | undefined;

  constructor(options: AttachmentClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#tokens = options.tokens;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#streaming = options.streamingUpload ?? canStreamRequests();
  }

  /** An attachment client for a device, with its own token session (as `ChatClient` has). */
  static forDevice(api: ChatApi, device: StoredDevice, options: Omit<AttachmentClientOptions, 'baseUrl' | 'tokens'> = {}): AttachmentClient {
    const session = new DeviceSession(api, device);
    const client = new AttachmentClient({ ...options, baseUrl: api.http.baseUrl, tokens: session });
    client.#ownSession = session;
    return client;
  }

  /** Stops the token refresh of a session made by `forDevice`. */
  close(): void {
    this.#ownSession?.close();
  }

  /** Encrypts and uploads a file into the conversation; resolves the pointer to send inside the MLS message. */
  async upload(conversationId: string, source: AttachmentSource, options: UploadOptions = {}): Promise<AttachmentPointer> {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const header = createHeader(chunkSize, crypto.getRandomValues(new Uint8Array(NONCE_PREFIX_BYTES)));
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
    const tap = digestTap();
    let plainSize = 0;
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        plainSize += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const ciphertext = plaintextStream(source).pipeThrough(counter).pipeThrough(encryptStream(key, header)).pipeThrough(tap.stream);
    const body: ReadableStream<Uint8Array> | Blob = this.#streaming ? ciphertext : await new Response(ciphertext).blob();
    const response = await this.#fetch(`${this.#baseUrl}/v1/conversations/${encodeURIComponent(conversationId)}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await this.#tokens.token()}`, 'content-type': 'application/octet-stream', accept: 'application/json' },
      body,
      ...(this.#streaming ? { duplex: 'half' } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    } as RequestInit);
    const stored = await parseJsonResponse<StoredAttachment>(response);
    const mine = tap.result();
    // The server hashed what it stored; a difference means the bytes changed on the way.
    if (stored.size !== mine.size || !equalBytes(fromBase64Url(stored.sha256), mine.sha256)) {
      throw new AttachmentIntegrityError('upload_digest_mismatch', 'the server stored other bytes than were sent');
    }
    return {
      v: 1,
      id: stored.id,
      key: toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', key))),
      sha256: toBase64Url(mine.sha256),
      size: mine.size,
      plainSize,
      chunkSize,
      ...(options.mime !== undefined ? { mime: options.mime } : {}),
      ...(options.name !== undefined ? { name: options.name } : {}),
    };
  }

  /**
   * Streams the plaintext of an attachment. Each chunk is released once authenticated;
   * the digest and size are checked before the last chunk, so the stream either ends
   * normally with exactly the sender's file or errors with `AttachmentIntegrityError`
   * (an app must discard what it read from a stream that errored). 404 → `ChatApiError`
   * `attachment_not_found` (unknown, expired, or not a member).
   */
  async download(pointer: AttachmentPointer, options: { signal?: AbortSignal } = {}): Promise<ReadableStream<Uint8Array>> {
    const checked = parsePointer(pointer);
    // The sizes and the chunk size determine each other: a pointer where they disagree describes no real file.
    if (checked.size !== ciphertextSize(checked.plainSize, checked.chunkSize)) {
      throw new AttachmentIntegrityError('size_mismatch', `${checked.size} ciphertext bytes cannot hold ${checked.plainSize} plaintext bytes in ${checked.chunkSize}-byte chunks`);
    }
    const key = await crypto.subtle.importKey('raw', fromBase64Url(checked.key) as Uint8Array<ArrayBuffer>, { name: 'AES-GCM' }, false, ['decrypt']);
    const response = await this.#fetch(`${this.#baseUrl}/v1/attachments/${encodeURIComponent(checked.id)}`, {
      headers: { authorization: `Bearer ${await this.#tokens.token()}` },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!response.ok || !response.body) await parseJsonResponse(response);
    return response.body!.pipeThrough(decryptStream(key, { sha256: fromBase64Url(checked.sha256), size: checked.size, chunkSize: checked.chunkSize }));
  }

  /** The whole plaintext, returned only after every check passed (for small files; large ones: `download`). */
  async downloadBytes(pointer: AttachmentPointer, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    return new Uint8Array(await new Response(await this.download(pointer, options)).arrayBuffer());
  }
}

function plaintextStream(source: AttachmentSource): ReadableStream<Uint8Array> {
  if (source instanceof ReadableStream) return source;
  if (source instanceof Uint8Array) {
    return new ReadableStream({
      start(controller) {
        controller.enqueue(source);
        controller.close();
      },
    });
  }
  return source.stream() as ReadableStream<Uint8Array>;
}
