/**
 * What the gateway does with each client frame once the socket is authenticated, one
 * handler per frame type (a frame type without a handler does not compile). Handlers
 * answer failures with an `error` frame carrying the frame's ref and keep the socket open:
 * only the state machine (gateway.ts) closes sockets.
 */
import { MAX_BODY_BYTES, type AccountId, type ClientFrameOf, type ClientFrameType, type ConversationId } from '@twin/chat-protocol';
import { AppError, platformErrors } from '@twin/platform';
import type { ChatCore, DeviceIdentity } from '../core.ts';
import { chatErrors } from '../errors.ts';
import type { SendBatcher, SendOrigin } from '../delivery/send-batcher.ts';
import type { PresenceRegistry } from '../presence/presence-registry.ts';
import type { TypingRelay } from '../presence/typing-relay.ts';
import { realtimeErrors } from './errors.ts';
import type { SocketSession } from './socket-session.ts';

export interface FrameContext {
  readonly core: ChatCore;
  readonly sends: SendBatcher;
  readonly presence: PresenceRegistry;
  readonly typing: TypingRelay;
  /** Most `send` frames one socket may have awaiting results. */
  readonly maxPendingSends: number;
  /** Re-computes which accounts' presence changes reach this socket. */
  readonly followPresence: (session: SocketSession, accountIds: ReadonlySet<string>) => void;
  readonly onError: (error: unknown, context: string) => void;
}

type ReadySession = SocketSession & { identity: DeviceIdentity; origin: SendOrigin };
type Handler<T extends ClientFrameType> = (session: ReadySession, frame: ClientFrameOf<T>, context: FrameContext) => void | Promise<void>;

/** Handlers for authenticated sockets; `auth` itself is the state machine's. */
export const frameHandlers: { [T in Exclude<ClientFrameType, 'auth'>]: Handler<T> } = {
  send(session, frame, context) {
    if (frame.body.length % 4 === 1) throw new AppError(platformErrors.validation_failed, 'body is not valid base64url (impossible length).');
    const body = Buffer.from(frame.body, 'base64url');
    if (body.byteLength > MAX_BODY_BYTES) throw new AppError(platformErrors.payload_too_large, `The body is ${body.byteLength} bytes; at most ${MAX_BODY_BYTES} are accepted.`);
    if (session.sendsInFlight >= context.maxPendingSends) throw new AppError(realtimeErrors.too_many_pending_sends);
    session.sendsInFlight++;
    context.sends.enqueue(session.origin, frame, body);
  },

  async ack(session, frame, context) {
    await context.core.ack(session.identity, frame.conversationId as ConversationId, frame.seq);
  },

  async read(session, frame, context) {
    await context.core.markRead(session.identity, frame.conversationId as ConversationId, frame.seq);
  },

  async typing(session, frame, context) {
    const conversationId = frame.conversationId as ConversationId;
    const members = await context.core.membersOf(conversationId);
    if (!members.includes(session.identity.accountId)) throw new AppError(chatErrors.not_a_member);
    if (frame.active) (session.typingIn ??= new Set()).add(conversationId);
    else session.typingIn?.delete(conversationId);
    await context.typing.publish({ conversationId, accountId: session.identity.accountId, deviceId: session.identity.deviceId, active: frame.active });
  },

  async 'presence-subscribe'(session, frame, context) {
    const own = session.identity.accountId;
    const wanted = [...new Set(frame.accountIds)] as AccountId[];
    const shared = await Promise.all(wanted.map((accountId) => (accountId === own ? true : context.core.shareAConversation(own, accountId))));
    const allowed = wanted.filter((_, i) => shared[i]);
    const refused = wanted.filter((_, i) => !shared[i]);
    context.followPresence(session, new Set(allowed));
    if (refused.length > 0) {
      session.sendError(new AppError(realtimeErrors.presence_not_shared, `No conversation shared with: ${refused.slice(0, 10).join(', ')}${refused.length > 10 ? '…' : ''}.`), frame.ref);
    }
    for (const presence of await context.presence.presenceOf(allowed)) session.sendFrame({ type: 'presence', ...presence });
  },

  sync(session, frame) {
    const stream = session.stream!;
    if (frame.conversationId === undefined) stream.syncAll();
    else stream.syncConversation(frame.conversationId as ConversationId, frame.afterSeq, frame.ref);
  },

  ping(session, frame) {
    session.sendFrame(frame.ref === undefined ? { type: 'pong', serverTime: Date.now() } : { type: 'pong', ref: frame.ref, serverTime: Date.now() });
  },
};
