/**
 * HTTP surface of accounts and sessions (shared by chat and video).
 */
import { Type } from 'typebox';
import type { HttpApp } from '../http/app.ts';
import { HANDLE_PATTERN } from './handles.ts';
import type { AccountService } from './service.ts';

const Id = Type.String({ pattern: '^[0-9]{1,20}$', description: 'Snowflake id (64-bit, decimal string).' });
const Credentials = Type.Object(
  {
    handle: Type.String({ minLength: 3, maxLength: 32, pattern: HANDLE_PATTERN }),
    password: Type.String({ minLength: 8, maxLength: 256 }),
  },
  { additionalProperties: false },
);
const SignInBody = Type.Object(
  { handle: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
const Tokens = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String({ description: 'Single use: each refresh returns a new one; presenting a used one revokes the session.' }),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires.' }),
  accountId: Id,
});

export async function accountRoutes(app: HttpApp, { accounts }: { accounts: AccountService }): Promise<void> {
  app.post(
    '/v1/accounts',
    {
      config: { idempotent: true, rateLimit: 'signup' },
      schema: {
        tags: ['accounts'],
        summary: 'Create an account',
        body: Credentials,
        response: { 201: Type.Object({ id: Id, handle: Type.String(), createdAt: Type.Integer() }) },
      },
    },
    async (request, reply) => reply.status(201).send(await accounts.createAccount(request.body.handle, request.body.password)),
  );

  app.post(
    '/v1/sessions',
    {
      config: { rateLimit: 'login' },
      schema: { tags: ['sessions'], summary: 'Sign in with handle and password', body: SignInBody, response: { 201: Tokens } },
    },
    async (request, reply) => reply.status(201).send(await accounts.signIn(request.body.handle, request.body.password)),
  );

  app.post(
    '/v1/sessions/refresh',
    {
      config: { rateLimit: 'login' },
      schema: {
        tags: ['sessions'],
        summary: 'Exchange a refresh token for new tokens (rotation)',
        body: Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false }),
        response: { 200: Tokens },
      },
    },
    async (request) => accounts.refresh(request.body.refreshToken),
  );

  const Profile = Type.Object({ id: Id, handle: Type.String(), createdAt: Type.Integer() });
  app.get(
    '/v1/accounts/by-handle/:handle',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['accounts'],
        summary: 'Find an account by its handle (any case)',
        security: [{ bearer: [] }],
        params: Type.Object({ handle: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: Profile },
      },
    },
    async (request) => accounts.findProfile({ handle: request.params.handle }),
  );

  app.get(
    '/v1/accounts/:accountId',
    {
      config: { auth: 'required' },
      schema: { tags: ['accounts'], summary: 'An account’s public profile', security: [{ bearer: [] }], params: Type.Object({ accountId: Id }), response: { 200: Profile } },
    },
    async (request) => accounts.findProfile({ id: request.params.accountId }),
  );

  app.delete(
    '/v1/sessions/current',
    {
      config: { auth: 'required' },
      schema: { tags: ['sessions'], summary: 'Sign out this session', security: [{ bearer: [] }], response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await accounts.signOut(request.auth!.sessionId);
      return reply.status(204).send(null);
    },
  );
}
