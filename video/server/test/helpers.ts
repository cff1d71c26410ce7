/**
 * Shared steps of the video integration tests, all through the public HTTP API: sign up
 * an account, create a channel, and speak tus 1.0 to a listening server with fetch.
 */
import { randomBytes } from 'node:crypto';
import type { TestPlatform } from '@twin/platform/testing';
import { json, waitFor } from '@twin/platform/testing';

export async function listen(t: TestPlatform): Promise<string> {
  const address = t.app.server.address();
  if (address && typeof address === 'object') return `http://127.0.0.1:${address.port}`;
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const a = t.app.server.address() as { port: number };
  return `http://127.0.0.1:${a.port}`;
}

export async function signUp(t: TestPlatform): Promise<{ token: string; accountId: string }> {
  const handle = `u${randomBytes(5).toString('hex')}`;
  const password = 'correct horse battery';
  const created = await t.app.inject({ method: 'POST', url: '/v1/accounts', payload: { handle, password } });
  if (created.statusCode !== 201) throw new Error(`sign-up: ${created.statusCode} ${created.body}`);
  const session = await t.app.inject({ method: 'POST', url: '/v1/sessions', payload: { handle, password } });
  return { token: json(session).accessToken, accountId: json(created).id };
}

export async function createChannel(t: TestPlatform, token: string): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/channels', headers: { authorization: `Bearer ${token}` }, payload: { name: 'My channel' } });
  if (res.statusCode !== 201) throw new Error(`channel: ${res.statusCode} ${res.body}`);
  return json(res).id;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

export function tusMetadata(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k} ${b64(v)}`)
    .join(',');
}

export interface TusCreate {
  length: number;
  metadata: Record<string, string>;
  token?: string;
  body?: Uint8Array;
}

/** POST /v1/uploads; resolves to the response and, on 201, the upload URL (absolute). */
export async function tusCreate(base: string, o: TusCreate): Promise<{ res: Response; url?: string }> {
  const headers: Record<string, string> = { 'tus-resumable': '1.0.0', 'upload-length': String(o.length), 'upload-metadata': tusMetadata(o.metadata) };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.body) headers['content-type'] = 'application/offset+octet-stream';
  const res = await fetch(`${base}/v1/uploads`, { method: 'POST', headers, ...(o.body ? { body: o.body } : {}) });
  const location = res.headers.get('location');
  return { res, ...(location ? { url: new URL(location, base).toString() } : {}) };
}

export async function tusPatch(url: string, token: string, offset: number, body: Uint8Array): Promise<Response> {
  return fetch(url, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0', 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
    body,
  });
}

export async function tusOffset(url: string, token: string): Promise<number> {
  const res = await fetch(url, { method: 'HEAD', headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' } });
  if (res.status !== 200) throw new Error(`HEAD ${res.status}`);
  return Number(res.headers.get('upload-offset'));
}

export const uploadId = (url: string) => url.slice(url.lastIndexOf('/') + 1);

/** Creates an upload and sends the whole file in one PATCH; resolves to the video id. */
export async function uploadVideo(base: string, token: string, channelId: string, bytes: Uint8Array, title = 'A video'): Promise<string> {
  const { res, url } = await tusCreate(base, { length: bytes.length, token, metadata: { channelId, title, filename: 'clip.mp4' } });
  if (res.status !== 201 || !url) throw new Error(`create: ${res.status} ${await res.text()}`);
  if (bytes.length > 0) {
    const patch = await tusPatch(url, token, 0, bytes);
    if (patch.status !== 204) throw new Error(`patch: ${patch.status} ${await patch.text()}`);
  }
  return uploadId(url);
}

export async function getVideo(t: TestPlatform, token: string, id: string): Promise<any> {
  const res = await t.app.inject({ method: 'GET', url: `/v1/videos/${id}`, headers: { authorization: `Bearer ${token}` } });
  if (res.statusCode !== 200) throw new Error(`video: ${res.statusCode} ${res.body}`);
  return json(res);
}

export async function waitForStatus(t: TestPlatform, token: string, id: string, statuses: string[], timeoutMs = 60_000): Promise<any> {
  let video: any;
  await waitFor(
    `video ${id} to be ${statuses.join(' or ')} (last: ${video?.status})`,
    async () => {
      video = await getVideo(t, token, id);
      return statuses.includes(video.status);
    },
    timeoutMs,
  );
  return video;
}
