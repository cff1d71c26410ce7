/**
 * HTTP surface of encrypted attachments: upload ciphertext into a conversation
 * (`application/octet-stream`, streamed: the body is left unread by Fastify and piped
 * straight to the blob store) and download it again as a current member.
 */
import type { IncomingMessage } from 'node:http';
import { Type } from 'typebox';
import type { HttpApp } from '@twin/platform';
import type { RequestDevice } from '../devices/request-device.ts';
import { Id, security } from '../http-schemas.ts';
import type { AttachmentService } from './service.ts';

const Attachment = Type.Object({
  id: Id,
  conversationId: Id,
  size: Type.Integer({ minimum: 1, description: 'Ciphertext bytes.' }),
  sha256: Type.String({ description: 'SHA-256 of the ciphertext the server stored, base64url; the uploader compares it with its own.' }),
  storedAt: Type.Integer(),
  expiresAt: Type.Integer({ description: 'When retention removes the attachment (epoch ms; the sweeper runs periodically).' }),
});

/** How long a refused upload's remaining body is read and dropped before the connection is cut. */
const LINGER_MS = 5_000;

/**
 * A refused upload (413, 403…) is answered at once, but its client is still sending.
 * Closing the socket with its bytes unread makes the kernel answer with a reset, which
 * can destroy the answer before the client reads it ("fetch failed" instead of 413). So
 * the rest is read and dropped, as nginx's lingering close does — for at most
 * `LINGER_MS`, after which the connection is cut, so an endless body cannot hold it.
 */
function discardRest(raw: IncomingMessage): void {
  // Destroying the request destroys its socket.
  const cut = setTimeout(() => raw.destroy(), LINGER_MS);
  cut.unref();
  const done = () => clearTimeout(cut);
  raw.once('end', done);
  raw.once('close', done);
  raw.resume();
}

export async function attachmentRoutes(app: HttpApp, deps: { attachments: AttachmentService; device: RequestDevice }): Promise<void> {
  const { attachments, device } = deps;
  const tags = ['chat attachments'];
  // Leave the body unread: the handler streams it (this parser is scoped to this plugin).
  app.addContentTypeParser('application/octet-stream', (_request, _payload, done) => done(null));

  app.post(
    '/v1/conversations/:id/attachments',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Upload an encrypted attachment (ciphertext only) bound to the conversation',
        description:
          'Body: `application/octet-stream`, the ciphertext, streamed (Content-Length optional). Only a current member may upload. ' +
          'Beyond CHAT_ATTACHMENT_MAX_BYTES the answer is 413 `payload_too_large` — at once for a larger Content-Length, else as soon as the limit is passed; the rest of the body is read and dropped for a few seconds, then the connection is closed.',
        security,
        params: Type.Object({ id: Id }),
        response: { 201: Attachment },
      },
    },
    async (request, reply) => {
      const uploader = await device(request);
      const length = request.headers['content-length'];
      try {
        const view = await attachments.upload(uploader, request.params.id, request.raw, length === undefined ? undefined : Number(length));
        return reply.status(201).send(view);
      } catch (error) {
        if (!request.raw.complete) discardRest(request.raw);
        throw error;
      }
    },
  );

  app.get(
    '/v1/attachments/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Download an attachment’s ciphertext (current members of its conversation only)',
        description:
          'The body is the ciphertext as uploaded (`application/octet-stream`); `Digest-SHA256` carries its SHA-256 (base64url) as the server computed it at upload. ' +
          'An unknown id, a conversation the caller is not a member of, an unfinished or expired upload: all 404 `attachment_not_found`.',
        security,
        params: Type.Object({ id: Id }),
      },
    },
    async (request, reply) => {
      const reader = await device(request);
      const { view, info, body } = await attachments.open(reader, request.params.id);
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-length', String(info.size))
        .header('etag', info.etag)
        .header('digest-sha256', view.sha256)
        .header('x-content-type-options', 'nosniff')
        // Only the caller's own cache: access ends with membership, which a shared cache cannot know.
        .header('cache-control', 'private, no-cache')
        .send(body);
    },
  );
}
