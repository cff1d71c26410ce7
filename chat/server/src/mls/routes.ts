/**
 * HTTP surface of the MLS Delivery Service (schemas shared with the SDK from
 * `@twin/chat-protocol`'s mls.ts): the key directory, the group registration and commit
 * gate, and the Welcome inbox. Every route needs a device token.
 */
import { Type } from 'typebox';
import {
  ClaimKeyPackagesRequest,
  ClaimKeyPackagesResponse,
  KeyPackageCount,
  MlsGroupView,
  RegisterGroupRequest,
  SubmitCommitRequest,
  SubmitCommitResponse,
  UploadKeyPackagesRequest,
  WelcomePage,
} from '@twin/chat-protocol';
import { AppError, platformErrors, type HttpApp } from '@twin/platform';
import type { RequestDevice } from '../devices/request-device.ts';
import { Id, security } from '../http-schemas.ts';
import type { CommitGate } from './commit-gate.ts';
import type { KeyDirectory } from './key-directory.ts';
import type { WelcomeInbox } from './welcome-inbox.ts';

export interface MlsRouteDeps {
  keys: KeyDirectory;
  gate: CommitGate;
  welcomes: WelcomeInbox;
  device: RequestDevice;
  /** Largest commit and Welcome, decoded (CHAT_MLS_MAX_COMMIT_BYTES, CHAT_MLS_MAX_WELCOME_BYTES). */
  maxCommitBytes: number;
  maxWelcomeBytes: number;
}

/** Decoded size of base64url text, without decoding. */
const decodedBytes = (text: string) => Math.floor((text.length * 3) / 4);

export async function mlsRoutes(app: HttpApp, deps: MlsRouteDeps): Promise<void> {
  const { keys, gate, welcomes, device } = deps;
  const config = { auth: 'required' as const };
  const tags = ['chat mls'];
  const ConversationParams = Type.Object({ id: Id });

  app.post(
    '/v1/mls/key-packages',
    {
      config,
      schema: {
        tags,
        summary: 'Upload key packages of the calling device (a batch of one-time ones and/or the last-resort one)',
        description:
          'Each is an MLSMessage (mls_key_package) for MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 whose leaf signature key is the device’s registered identity key and whose Basic credential identity is the device id; all are checked, then stored together. A package uploaded before is skipped. A new last-resort package replaces the old.',
        security,
        body: UploadKeyPackagesRequest,
        response: { 201: KeyPackageCount },
      },
    },
    async (request, reply) => reply.status(201).send(await keys.upload(await device(request), request.body)),
  );

  app.get(
    '/v1/mls/key-packages/count',
    { config, schema: { tags, summary: 'How many one-time key packages the calling device has left, and whether it has a last-resort one', security, response: { 200: KeyPackageCount } } },
    async (request) => keys.count(await device(request)),
  );

  app.post(
    '/v1/accounts/:accountId/key-packages/claim',
    {
      config,
      schema: {
        tags,
        summary: 'Claim one key package per active device of an account (to add them to a group)',
        description:
          'Each one-time package goes to one claimer only, also under concurrency; a device with none left yields its last-resort package (not consumed). Allowed for the account’s own devices (the caller’s own device is left out by default) and for members of a conversation the account is in.',
        security,
        params: Type.Object({ accountId: Id }),
        body: ClaimKeyPackagesRequest,
        response: { 200: ClaimKeyPackagesResponse },
      },
    },
    async (request) => keys.claim(await device(request), request.params.accountId, request.body.deviceIds),
  );

  app.post(
    '/v1/conversations/:id/mls/group',
    {
      config,
      schema: {
        tags,
        summary: 'Register the conversation’s MLS group at epoch 0 (once, by its creating device)',
        description:
          'The GroupInfo right after createGroup, with the ratchet_tree extension and signed by the calling device’s leaf; the group id is the conversation id (UTF-8). From then on the server holds the group’s public state and admits one commit per epoch.',
        security,
        params: ConversationParams,
        body: RegisterGroupRequest,
        response: { 201: MlsGroupView },
      },
    },
    async (request, reply) => reply.status(201).send(await gate.register(await device(request), request.params.id, request.body)),
  );

  app.get(
    '/v1/conversations/:id/mls/group',
    { config, schema: { tags, summary: 'The group’s current epoch, tree hash and leaf → device map (members)', security, params: ConversationParams, response: { 200: MlsGroupView } } },
    async (request) => gate.view(await device(request), request.params.id),
  );

  app.post(
    '/v1/conversations/:id/mls/commits',
    {
      config,
      bodyLimit: Math.ceil(((deps.maxCommitBytes + deps.maxWelcomeBytes) * 4) / 3) + 64 * 1024,
      schema: {
        tags,
        summary: 'Submit a commit for the group’s current epoch, with the Welcome for the devices it adds',
        description:
          'The commit is an MLSMessage (mls_public_message) from the calling device’s leaf with proposals by value (add, remove, update). It is verified against the group’s public state and the roster (only admins add or remove other accounts; only a member’s own devices change its device set; an account that left loses all its leaves at once), then appended to the conversation log as a kind mls entry. The Welcome (with the ratchet_tree extension) goes to exactly the added devices’ inboxes. 409 stale_epoch when another commit took the epoch first: process the log, re-apply, retry. A resend with the same clientMessageId returns the original (200, duplicate: true).',
        security,
        params: ConversationParams,
        body: SubmitCommitRequest,
        response: { 200: SubmitCommitResponse, 201: SubmitCommitResponse },
      },
    },
    async (request, reply) => {
      if (decodedBytes(request.body.commit) > deps.maxCommitBytes) throw new AppError(platformErrors.payload_too_large, `A commit may hold at most ${deps.maxCommitBytes} bytes.`);
      if (request.body.welcome !== undefined && decodedBytes(request.body.welcome) > deps.maxWelcomeBytes) {
        throw new AppError(platformErrors.payload_too_large, `A Welcome may hold at most ${deps.maxWelcomeBytes} bytes.`);
      }
      const result = await gate.submit(await device(request), request.params.id, request.body);
      return reply.status(result.duplicate ? 200 : 201).send(result);
    },
  );

  app.get(
    '/v1/mls/welcomes',
    {
      config,
      schema: {
        tags,
        summary: 'The calling device’s pending Welcomes, oldest first, by cursor',
        description: 'A device checks here when it connects and when the log shows a commit of a conversation it has no group for. Delete a Welcome once joined.',
        security,
        querystring: Type.Object(
          { cursor: Type.Optional(Type.String({ maxLength: 2048 })), limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }) },
          { additionalProperties: false },
        ),
        response: { 200: WelcomePage },
      },
    },
    async (request) => welcomes.list(await device(request), request.query.cursor, request.query.limit),
  );

  app.delete(
    '/v1/mls/welcomes/:id',
    { config, schema: { tags, summary: 'Drop a pending Welcome of the calling device (joined, or unusable)', security, params: Type.Object({ id: Id }), response: { 204: Type.Null() } } },
    async (request, reply) => {
      await welcomes.remove(await device(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}
