/**
 * Short-lived access tokens: EdDSA (Ed25519) JWTs signed with jose. They carry the
 * account and the session they belong to, so a signed-out session can be refused before
 * its tokens expire. Verification needs only the public key, so any node can check them.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AppError, platformErrors } from '../errors.ts';

const ISSUER = 'twin';
const AUDIENCE = 'twin-api';

export interface AccessClaims {
  /** The account id. */
  accountId: string;
  /** The session (refresh-token family) the token was issued for. */
  sessionId: string;
  /** Extra claims a feature adds (e.g. the chat device id). */
  extra?: Record<string, string>;
}

export class AccessTokenIssuer {
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly ttlSeconds: number;

  constructor(privateKeyPem: string, ttlSeconds: number) {
    this.#privateKey = createPrivateKey(privateKeyPem);
    if (this.#privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the signing key must be Ed25519');
    this.#publicKey = createPublicKey(this.#privateKey);
    this.ttlSeconds = ttlSeconds;
  }

  issue(claims: AccessClaims): Promise<string> {
    return new SignJWT({ sid: claims.sessionId, ...claims.extra })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' })
      .setSubject(claims.accountId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.#privateKey);
  }

  /** The claims of a valid token; 401 `token_expired` or `unauthorized` otherwise. */
  async verify(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.#publicKey, {
        algorithms: ['EdDSA'],
        issuer: ISSUER,
        audience: AUDIENCE,
        typ: 'at+jwt',
      });
      const { sub, sid, iss: _iss, aud: _aud, iat: _iat, exp: _exp, ...rest } = payload;
      if (typeof sub !== 'string' || typeof sid !== 'string') throw new AppError(platformErrors.unauthorized);
      const extra = Object.fromEntries(Object.entries(rest).filter((e): e is [string, string] => typeof e[1] === 'string'));
      return { accountId: sub, sessionId: sid, extra };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AppError(platformErrors.token_expired);
      if (error instanceof AppError) throw error;
      throw new AppError(platformErrors.unauthorized, 'The access token is not valid.');
    }
  }
}
