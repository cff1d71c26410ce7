/**
 * The process's secrets: the access-token signing key and the cursor HMAC secret. Taken
 * from the environment when set (the same on every node); otherwise generated once into
 * DATA_DIR/secrets/ with owner-only permissions, so a laptop run needs no setup and a
 * restart keeps tokens and cursors valid.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Secrets {
  authSigningKeyPem: string;
  cursorSecret: string;
}

export function loadSecrets(options: { dataDir: string; authSigningKey?: string; cursorSecret?: string }): Secrets {
  const dir = join(options.dataDir, 'secrets');
  return {
    authSigningKeyPem:
      options.authSigningKey ??
      readOrCreate(join(dir, 'auth-signing-key.pem'), () =>
        generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ),
    cursorSecret: options.cursorSecret ?? readOrCreate(join(dir, 'cursor-secret'), () => randomBytes(32).toString('base64url')),
  };
}

function readOrCreate(path: string, create: () => string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const value = create();
  try {
    // 'wx': if another process created it first, keep theirs.
    writeFileSync(path, value, { mode: 0o600, flag: 'wx' });
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8');
    throw error;
  }
}
