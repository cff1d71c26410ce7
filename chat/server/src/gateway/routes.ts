/**
 * The HTTP face of the gateway path: the WebSocket upgrade itself is taken by the
 * gateway on the server's 'upgrade' event before Fastify sees it, so a request that
 * reaches this route did not ask to upgrade. It answers 426 and documents the endpoint
 * in the OpenAPI document.
 */
import { GATEWAY_PATH, SUBPROTOCOL } from '@twin/chat-protocol';
import type { HttpApp } from '@twin/platform';
import { Type } from 'typebox';
import { realtimeErrors } from './errors.ts';

export async function gatewayRoutes(app: HttpApp): Promise<void> {
  app.get(
    GATEWAY_PATH,
    {
      schema: {
        tags: ['chat'],
        summary: 'Chat WebSocket gateway (protocol v1)',
        description: `Upgrade to a WebSocket with subprotocol \`${SUBPROTOCOL}\`; the first frame is \`{"type":"auth","token":<device access token>}\`. Frames, close codes and limits: @twin/chat-protocol. A plain GET answers 426.`,
        response: { 426: Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String(), retryable: Type.Boolean(), requestId: Type.String() }) }) },
      },
    },
    async (request, reply) =>
      reply
        .code(426)
        .header('upgrade', 'websocket')
        .send({ error: { code: realtimeErrors.upgrade_required.code, message: `Connect with a WebSocket (subprotocol ${SUBPROTOCOL}).`, retryable: false, requestId: request.id } }),
  );
}
