/**
 * Accounts and sessions: sign-up, sign-in, refresh-token rotation with reuse detection,
 * sign-out. Wrong handle and wrong password fail identically, after the same scrypt
 * work, so sign-in cannot be used to discover which handles exist.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AccessTokenIssuer } from '../auth/access-tokens.ts';
import { hashPassword, verifyPasswordOrBurn } from '../auth/passwords.ts';
import { AppError, platformErrors } from '../errors.ts';
import type { SnowflakeGenerator } from '../ids/snowflake.ts';
import { handleKey, isValidHandle } from './handles.ts';
import type { AccountStore } from './store.ts';

/** A session may be refreshed for at most this long after sign-in; then the user signs in again. */
const SESSION_MAX_LIFETIME_MS = 365 * 24 * 3600 * 1000;

export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  accountId: string;
}

/** Where revoked sessions are remembered until their last access token has expired. */
export interface RevocationList {
  set(key: string, value: string, options: { ttlMs: number }): Promise<unknown>;
  get(key: string): Promise<string | null>;
}

export interface AccountServiceDeps {
  store: AccountStore;
  ids: SnowflakeGenerator;
  tokens: AccessTokenIssuer;
  revocations: RevocationList;
  isUniqueViolation: (error: unknown) => boolean;
  refreshTokenTtlMs: number;
  /** Lower-cased handles with access to the admin routes. */
  adminHandles?: readonly string[];
  now?: () => number;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();

export class AccountService {
  readonly #deps: AccountServiceDeps;
  readonly #now: () => number;

  constructor(deps: AccountServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => Date.now());
  }

  async createAccount(handle: string, password: string): Promise<{ id: string; handle: string; createdAt: number }> {
    if (!isValidHandle(handle)) {
      throw new AppError(platformErrors.validation_failed, 'The handle breaks the handle rules.', {
        details: { fields: [{ field: '/handle', in: 'body', message: '3–32 letters, digits, _ or . ; starts with a letter; no ".." and no trailing "."' }] },
      });
    }
    const row = { id: this.#deps.ids.next(), handle, handle_key: handleKey(handle), password_hash: await hashPassword(password), created_at: this.#now() };
    try {
      await this.#deps.store.insertAccount(row);
    } catch (error) {
      if (this.#deps.isUniqueViolation(error)) throw new AppError(platformErrors.handle_taken, `The handle "${handle}" is taken.`);
      throw error;
    }
    return { id: row.id, handle, createdAt: row.created_at };
  }

  async signIn(handle: string, password: string): Promise<SessionTokens> {
    const account = await this.#deps.store.findAccountByHandleKey(handleKey(handle));
    if (!(await verifyPasswordOrBurn(password, account?.password_hash)) || !account) {
      throw new AppError(platformErrors.invalid_credentials);
    }
    const now = this.#now();
    const sessionId = this.#deps.ids.next();
    const refresh = this.#newRefreshToken(sessionId, now);
    await this.#deps.store.insertSession(
      { id: sessionId, account_id: account.id, created_at: now, expires_at: now + SESSION_MAX_LIFETIME_MS, revoked_at: null, revoked_reason: null },
      refresh.row,
    );
    return this.#tokens(account.id, sessionId, refresh.token);
  }

  async refresh(presented: string): Promise<SessionTokens> {
    const invalid = () => new AppError(platformErrors.invalid_refresh_token);
    const [id, secret, extra] = presented.split('.');
    if (!id || !secret || extra !== undefined || !/^\d{1,20}$/.test(id)) throw invalid();
    const row = await this.#deps.store.findRefreshToken(id);
    if (!row || !timingSafeEqual(sha256(secret), Buffer.from(row.token_hash, 'base64url'))) throw invalid();
    if (row.revoked_at !== null) throw invalid();
    const now = this.#now();
    if (row.used_at !== null) return this.#reuseDetected(row.session_id);
    if (row.expires_at <= now || row.session_expires_at <= now) throw invalid();
    const next = this.#newRefreshToken(row.session_id, now);
    // Lost the race against a concurrent refresh with the same token: that is reuse too.
    if (!(await this.#deps.store.rotateRefreshToken(row.id, next.row, now))) return this.#reuseDetected(row.session_id);
    return this.#tokens(row.account_id, row.session_id, next.token);
  }

  async signOut(sessionId: string): Promise<void> {
    await this.#revoke(sessionId, 'signed_out');
  }

  /**
   * The public profile of an account by handle (any case) or id, so a client can start a
   * conversation with a handle and show handles beside ids. Throws 404 `not_found`.
   */
  async findProfile(by: { handle: string } | { id: string }): Promise<{ id: string; handle: string; createdAt: number }> {
    const row = 'handle' in by ? await this.#deps.store.findAccountByHandleKey(handleKey(by.handle)) : await this.#deps.store.findAccount(by.id);
    if (!row) throw new AppError(platformErrors.not_found, 'No such account.');
    return { id: String(row.id), handle: row.handle, createdAt: Number(row.created_at) };
  }

  /** True when the account's handle is listed in ADMIN_HANDLES. */
  async isAdmin(accountId: string): Promise<boolean> {
    const admins = this.#deps.adminHandles ?? [];
    if (admins.length === 0) return false;
    const account = await this.#deps.store.findAccount(accountId);
    return account !== undefined && admins.includes(account.handle_key);
  }

  /** True when the session was revoked (signed out or compromised) — its access tokens are refused. */
  async isSessionRevoked(sessionId: string): Promise<boolean> {
    return (await this.#deps.revocations.get(`revoked-session:${sessionId}`)) !== null;
  }

  async #reuseDetected(sessionId: string): Promise<never> {
    await this.#revoke(sessionId, 'refresh_token_reused');
    throw new AppError(platformErrors.refresh_token_reused);
  }

  async #revoke(sessionId: string, reason: string): Promise<void> {
    await this.#deps.store.revokeSession(sessionId, reason, this.#now());
    // Access tokens are stateless; remember the revocation for as long as one can still be valid.
    await this.#deps.revocations.set(`revoked-session:${sessionId}`, reason, { ttlMs: (this.#deps.tokens.ttlSeconds + 60) * 1000 });
  }

  #newRefreshToken(sessionId: string, now: number) {
    const id = this.#deps.ids.next();
    const secret = randomBytes(32).toString('base64url');
    return {
      token: `${id}.${secret}`,
      row: { id, session_id: sessionId, token_hash: sha256(secret).toString('base64url'), created_at: now, expires_at: now + this.#deps.refreshTokenTtlMs, used_at: null },
    };
  }

  async #tokens(accountId: string, sessionId: string, refreshToken: string): Promise<SessionTokens> {
    const accessToken = await this.#deps.tokens.issue({ accountId, sessionId });
    return { accessToken, refreshToken, expiresIn: this.#deps.tokens.ttlSeconds, accountId };
  }
}
