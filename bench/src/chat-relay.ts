/**
 * Baseline for the `chat` benchmark: a bare `ws` relay speaking the same frames on the
 * same load, with no auth, no persistence and no acks — the cost of moving the bytes
 * through Node and `ws` alone. `auth` names the conversation (its token is the
 * conversation id); a `send` gets a `send-result` with a per-conversation counter as seq
 * and goes to every other socket of the conversation as a one-message `deliver` frame.
 * Prints its port on the first stdout line.
 */
import { WebSocketServer, type WebSocket } from 'ws';

const conversations = new Map<string, Set<WebSocket>>();
const seqs = new Map<string, number>();
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/chat/ws', perMessageDeflate: false });

wss.on('connection', (socket) => {
  let conversation: Set<WebSocket> | undefined;
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data));
    if (frame.type === 'auth') {
      conversation = conversations.get(frame.token) ?? new Set();
      conversations.set(frame.token, conversation);
      conversation.add(socket);
      socket.send(JSON.stringify({ type: 'ready', protocol: 1, accountId: '1', deviceId: '1', heartbeatMs: 30_000, serverTime: Date.now() }));
      socket.send(JSON.stringify({ type: 'caught-up' }));
    } else if (frame.type === 'send' && conversation) {
      const seq = (seqs.get(frame.conversationId) ?? 0) + 1;
      seqs.set(frame.conversationId, seq);
      const storedAt = Date.now();
      const message = { id: String(seq), conversationId: frame.conversationId, seq, senderAccountId: '1', senderDeviceId: '1', clientMessageId: frame.clientMessageId, kind: frame.kind, body: frame.body, sentAt: frame.sentAt, storedAt };
      socket.send(JSON.stringify({ type: 'send-result', clientMessageId: frame.clientMessageId, conversationId: frame.conversationId, messageId: String(seq), seq, storedAt, duplicate: false }));
      const deliver = JSON.stringify({ type: 'deliver', messages: [message] });
      for (const peer of conversation) if (peer !== socket) peer.send(deliver);
    }
  });
  socket.on('close', () => conversation?.delete(socket));
});
wss.on('listening', () => {
  const address = wss.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => wss.close(() => process.exit(0)));
