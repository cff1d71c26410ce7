/**
 * The chat feature as the process runs it: its settings (README "Chat:" table), its
 * migrations, and what each role starts — the HTTP API in `all`/`api`, the retention
 * sweeper in `all`/`worker`. The core (`ChatCore`) is built in every role, because the
 * real-time side (gateway, delivery) runs on it.
 */
import { defineFeature, parsers, servesApi, variable } from '@twin/platform';
import { buildChatCore } from './chat-core.ts';
import { startAttachmentSweeper } from './attachments/index.ts';
import { chatRoutes } from './chat-routes.ts';
import { chatMigrations } from './migrations.ts';
import { parseRetention } from './retention/policy.ts';
import { pushMigrations, realtimeSettings, startRealtime } from './realtime.ts';

export const chatCoreSettings = {
  maxDevices: variable('CHAT_MAX_DEVICES', '8', parsers.integer(1, 64), 'Devices per chat account (a further registration gets 409 device_limit).'),
  groupMaxMembers: variable('CHAT_GROUP_MAX_MEMBERS', '1024', parsers.integer(2, 100_000), 'Members per group conversation (beyond: 409 group_full).'),
  retention: variable(
    'CHAT_RETENTION',
    '30d',
    parseRetention,
    'How long the server keeps messages: a duration (`30d`, `12h`), or `until-delivered` to delete each message once every device of every other member has acked it.',
  ),
  undeliveredMaxAgeMs: variable(
    'CHAT_UNDELIVERED_MAX_AGE',
    '30d',
    parsers.duration(60_000, 3650 * 86_400_000),
    'With `CHAT_RETENTION=until-delivered`: messages some device has still not acked after this long are deleted anyway (as WhatsApp does after 30 days).',
  ),
  attachmentMaxBytes: variable(
    'CHAT_ATTACHMENT_MAX_BYTES',
    '100MiB',
    parsers.bytes(1024, 4 * 1024 ** 3),
    'Largest encrypted attachment (ciphertext bytes) an upload may carry; beyond it 413 `payload_too_large`, from Content-Length or while streaming.',
  ),
  retentionSweepIntervalMs: variable('CHAT_RETENTION_SWEEP_INTERVAL', '1m', parsers.duration(50, 86_400_000), 'How often the retention sweepers delete expired messages and attachments (in batches).'),
  linkCodeTtlMs: variable('CHAT_LINK_CODE_TTL', '5m', parsers.duration(10_000, 3_600_000), 'How long a device link code stays valid.'),
  challengeTtlMs: variable('CHAT_CHALLENGE_TTL', '60s', parsers.duration(5_000, 600_000), 'How long a device sign-in nonce stays valid.'),
  mlsMaxCommitBytes: variable(
    'CHAT_MLS_MAX_COMMIT_BYTES',
    '512KiB',
    parsers.bytes(4096, 768 * 1024),
    'Largest MLS commit the commit gate accepts (413 beyond). It travels in a `chat.messages` event as base64url, so it stays well under NATS’s 1 MiB message limit; a client adds very many devices over several commits.',
  ),
  mlsMaxWelcomeBytes: variable(
    'CHAT_MLS_MAX_WELCOME_BYTES',
    '4MiB',
    parsers.bytes(4096, 64 * 1024 ** 2),
    'Largest MLS Welcome (it carries the ratchet tree) stored for the devices a commit adds (413 beyond).',
  ),
};

export const chatFeature = defineFeature({
  name: 'chat',
  settings: { ...chatCoreSettings, ...realtimeSettings },
  migrations: { ...chatMigrations, ...pushMigrations },
  async start({ platform, role, settings }) {
    const core = buildChatCore(platform, settings);
    await core.start();
    const sweeper = role === 'all' || role === 'worker' ? core.startRetentionSweeper() : undefined;
    const attachmentSweeper = role === 'all' || role === 'worker' ? startAttachmentSweeper(core) : undefined;
    const realtime = await startRealtime({ platform, role, core: core.core, settings });
    return {
      async register(app) {
        if (servesApi(role)) await app.register(chatRoutes, { core });
        await realtime.register(app);
      },
      async stop() {
        await realtime.stop();
        await sweeper?.stop();
        await attachmentSweeper?.stop();
        await core.stop();
      },
    };
  },
});
