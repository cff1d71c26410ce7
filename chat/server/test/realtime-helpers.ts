/**
 * Helpers for the real-time side's WebSocket tests: a listening test platform with the
 * chat feature, and a small recording client over `ws` (which, unlike the global
 * WebSocket, lets a test pause its TCP socket or stop answering pings).
 */
import assert from 'node:assert/strict';
import { GATEWAY_PATH, SUBPROTOCOL, type ServerFrame, type ServerFrameOf, type WireMessage } from '@twin/chat-protocol';
import { startTestPlatform, waitFor, type EngineSet, type TestPlatform } from '@twin/platform/testing';
import WebSocket from 'ws';
import { chatFeature } from '../src/index.ts';
import { TEST_ENV } from './core-helpers.ts';

export interface ListeningPlatform extends TestPlatform {
  readonly wsUrl: string;
  readonly baseUrl: string;
}

export async function startListening(engines: EngineSet, env: Record<string, string> = {}): Promise<ListeningPlatform> {
  const t = await startTestPlatform(engines, { ...TEST_ENV, ...env }, { features: [chatFeature] });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  assert.ok(address && typeof address === 'object');
  return { ...t, close: t.close, wsUrl: `ws://127.0.0.1:${address.port}${GATEWAY_PATH}`, baseUrl: `http://127.0.0.1:${address.port}` };
}

export interface Closed {
  code: number;
  reason: string;
}

/** A WebSocket client that records every frame it receives and how it was closed. */
export class TestClient {
  readonly ws: WebSocket;
  readonly frames: ServerFrame[] = [];
  closed: Closed | undefined;
  readonly opened: Promise<void>;

  constructor(url: string, options: { autoPong?: boolean; protocols?: string[] } = {}) {
    this.ws = new WebSocket(url, options.protocols ?? [SUBPROTOCOL], { autoPong: options.autoPong ?? true });
    this.ws.on('message', (data) => this.frames.push(JSON.parse(String(data)) as ServerFrame));
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
    });
    this.ws.on('error', () => undefined);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
  }

  /** Connects, authenticates and waits for `ready`. */
  static async connect(url: string, token: string): Promise<TestClient> {
    const client = new TestClient(url);
    await client.opened;
    client.send({ type: 'auth', token });
    await client.waitFor('ready', () => client.of('ready').length > 0 || client.closed !== undefined);
    if (client.closed) throw new Error(`closed ${client.closed.code} ${client.closed.reason}: ${JSON.stringify(client.frames)}`);
    return client;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  of<T extends ServerFrame['type']>(type: T): ServerFrameOf<T>[] {
    return this.frames.filter((f): f is ServerFrameOf<T> => f.type === type);
  }

  /** Every delivered message, in arrival order. */
  delivered(conversationId?: string): WireMessage[] {
    return this.of('deliver').flatMap((f) => f.messages).filter((m) => conversationId === undefined || m.conversationId === conversationId);
  }

  /**
   * What the device holds of a conversation, as the SDK assembles it: the messages delivered
   * to it and its own sends, known from their send-results (the server does not send a
   * socket's own messages back to it), in seq order.
   */
  held(conversationId: string): Array<{ seq: number; id: string }> {
    const own = this.of('send-result')
      .filter((r) => r.conversationId === conversationId && !r.duplicate)
      .map((r) => ({ seq: r.seq, id: r.messageId }));
    return [...this.delivered(conversationId).map((m) => ({ seq: m.seq, id: m.id })), ...own].sort((a, b) => a.seq - b.seq);
  }

  waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
    return waitFor(what, check, timeoutMs);
  }

  async waitClosed(timeoutMs = 5000): Promise<Closed> {
    await waitFor('socket closed', () => this.closed !== undefined, timeoutMs);
    return this.closed!;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Seqs of the messages, to compare order. */
export const seqs = (messages: ReadonlyArray<{ seq: number }>) => messages.map((m) => m.seq);

/** Creates a conversation over HTTP as `creator` (a device): direct with one account, else a group. */
export async function createConversation(t: TestPlatform, creatorToken: string, accountIds: readonly string[], type: 'direct' | 'group' = 'group'): Promise<string> {
  const payload = type === 'direct' ? { type, accountId: accountIds[0] } : { type, title: 'test group', memberAccountIds: accountIds };
  const created = await t.app.inject({ method: 'POST', url: '/v1/conversations', headers: { authorization: `Bearer ${creatorToken}` }, payload });
  assert.ok(created.statusCode === 201 || created.statusCode === 200, created.body);
  return JSON.parse(created.body).id as string;
}

let clientMessageCounter = 0;

/**
 * Sends `count` messages over the socket, bodies `${prefix}-<i>`, at most `window` awaiting
 * results at a time (the gateway refuses more than CHAT_WS_MAX_PENDING_SENDS); resolves
 * with their send-results.
 */
export async function sendMessages(client: TestClient, conversationId: string, count: number, prefix = 'm', bodyBytes?: number, window = 500): Promise<Array<ServerFrameOf<'send-result'>>> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += window) {
    const chunk: string[] = [];
    for (let i = start; i < Math.min(count, start + window); i++) {
      const clientMessageId = `c${++clientMessageCounter}-${i}`;
      chunk.push(clientMessageId);
      const body = Buffer.from(bodyBytes ? `${prefix}-${i}-`.padEnd(bodyBytes, 'x') : `${prefix}-${i}`).toString('base64url');
      client.send({ type: 'send', clientMessageId, conversationId, kind: 'message', body, sentAt: Date.now() });
    }
    ids.push(...chunk);
    const wanted = new Set(chunk);
    await client.waitFor(`${chunk.length} send-results`, () => client.of('send-result').filter((r) => wanted.has(r.clientMessageId)).length === chunk.length || client.of('error').some((e) => e.ref !== undefined && wanted.has(e.ref)), 20_000);
    const errors = client.of('error').filter((e) => e.ref !== undefined && wanted.has(e.ref));
    assert.deepEqual(errors, []);
  }
  const wanted = new Set(ids);
  return client.of('send-result').filter((r) => wanted.has(r.clientMessageId));
}

export const bodyText = (message: WireMessage) => Buffer.from(message.body, 'base64url').toString();

/** Asserts the seqs are exactly from..to, in order, once each. */
export function assertContiguous(messages: ReadonlyArray<{ seq: number }>, from: number, to: number): void {
  const got = seqs(messages);
  const expected = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  assert.deepEqual(got, expected, `expected seqs ${from}..${to}, got ${got.length} seqs: ${compact(got)}`);
}

function compact(values: number[]): string {
  const out: string[] = [];
  let start = values[0];
  for (let i = 1; i <= values.length; i++) {
    if (values[i] !== values[i - 1]! + 1) {
      out.push(start === values[i - 1] ? String(start) : `${start}-${values[i - 1]}`);
      start = values[i];
    }
  }
  return out.join(',');
}
