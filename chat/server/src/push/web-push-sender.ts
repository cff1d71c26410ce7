/**
 * Sends one Web Push request (RFC 8030 §5) to a subscription's endpoint: the payload
 * encrypted for the subscription's keys (RFC 8291, `Content-Encoding: aes128gcm`) and the
 * request signed with VAPID (RFC 8292, `Authorization: vapid t=…, k=…`), both by
 * `web-push`'s `generateRequestDetails`; the request itself goes out with fetch because
 * web-push's own sender speaks https only and a test endpoint on loopback is plain http.
 */
import webpush from 'web-push';

export interface WebPushTarget {
  readonly endpoint: string;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

export interface WebPushOptions {
  readonly vapid: { readonly subject: string; readonly publicKey: string; readonly privateKey: string };
  /** Seconds the push service may hold the message (RFC 8030 §5.2). */
  readonly ttlSeconds: number;
  /** RFC 8030 §5.4: a newer message with the same topic replaces an undelivered one. */
  readonly topic?: string;
  readonly timeoutMs: number;
}

/** `sent` (2xx), `gone` (404/410: drop the subscription) or `failed` with the status. */
export type WebPushOutcome = { readonly outcome: 'sent' | 'gone'; readonly status: number } | { readonly outcome: 'failed'; readonly status: number | undefined; readonly error: unknown };

export async function sendWebPush(target: WebPushTarget, payload: string, options: WebPushOptions): Promise<WebPushOutcome> {
  try {
    const request = webpush.generateRequestDetails({ endpoint: target.endpoint, keys: { p256dh: target.keys.p256dh, auth: target.keys.auth } }, payload, {
      vapidDetails: { subject: options.vapid.subject, publicKey: options.vapid.publicKey, privateKey: options.vapid.privateKey },
      TTL: options.ttlSeconds,
      urgency: 'normal',
      ...(options.topic ? { topic: options.topic } : {}),
    });
    const response = await fetch(request.endpoint, {
      method: request.method,
      headers: request.headers as Record<string, string>,
      body: request.body ? new Uint8Array(request.body as Buffer) : null,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (response.status === 404 || response.status === 410) return { outcome: 'gone', status: response.status };
    if (response.ok) return { outcome: 'sent', status: response.status };
    return { outcome: 'failed', status: response.status, error: new Error(`push service answered ${response.status}`) };
  } catch (error) {
    return { outcome: 'failed', status: undefined, error };
  }
}
