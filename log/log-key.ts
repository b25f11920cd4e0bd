// The log's own signing key: created on first start in the data directory (mode 0600) unless
// one is given, and the CheckpointSigner built from it. Node-only.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile, stat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DiptychError } from './errors.js';
import { formatCheckpoint, openCheckpoint } from './checkpoint.js';
import { ed25519Verifier, generateSignerKey, parseSignerKey, signNote, type SignerKey } from './note.js';
import { nodeEd25519Signer } from './node-crypto.js';
import { utf8 } from './bytes.js';
import type { Crypto } from './crypto.js';
import type { CheckpointSigner } from './sequencer.js';

export const LOG_KEY_FILE = 'log.key';

/**
 * Reads a file holding a secret (a signer key, a webhook secret), refusing one that other users
 * can read: a secret others could have copied is no longer one.
 */
export async function readPrivateFile(path: string, what = 'key file'): Promise<Buffer> {
  const info = await stat(path).catch(() => {
    throw new DiptychError('not_found', `no ${what} at ${path}`);
  });
  if ((info.mode & 0o077) !== 0) {
    throw new DiptychError('insecure_key_file', `${path} is readable by other users (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`);
  }
  return readFile(path);
}

/** Reads a signer key file, refusing one that other users can read. */
export async function readSignerKeyFile(path: string, crypto?: Crypto): Promise<SignerKey> {
  const text = (await readPrivateFile(path)).toString('utf8').trim();
  return parseSignerKey(text, nodeEd25519Signer, crypto);
}

/** Writes a new signer key file with mode 0600; never overwrites an existing file. */
export async function writeNewSignerKeyFile(path: string, name: string, crypto?: Crypto): Promise<SignerKey> {
  const { signerKey } = generateSignerKey(name, randomBytes(32), crypto);
  await writeFile(path, signerKey + '\n', { mode: 0o600, flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EEXIST') throw new DiptychError('conflict', `${path} already exists; not overwriting a key`);
    throw e;
  });
  return parseSignerKey(signerKey, nodeEd25519Signer, crypto);
}

/**
 * The log key of a data directory: `keyFile` if given, else `<dataDir>/log.key`, created on
 * first start with `origin` as its name. The key name is the log's origin.
 */
export async function loadLogKey(dataDir: string, options: { keyFile?: string; origin?: string; crypto?: Crypto }): Promise<SignerKey> {
  const path = options.keyFile ?? join(dataDir, LOG_KEY_FILE);
  let key: SignerKey;
  try {
    key = await readSignerKeyFile(path, options.crypto);
  } catch (e) {
    if (!(e instanceof DiptychError && e.code === 'not_found') || options.keyFile) throw e;
    await mkdir(dataDir, { recursive: true });
    key = await writeNewSignerKeyFile(path, options.origin ?? DEFAULT_ORIGIN, options.crypto);
  }
  if (options.origin !== undefined && options.origin !== key.name) {
    throw new DiptychError('origin_mismatch', `the log key in ${path} is for origin ${key.name}, not ${options.origin}`);
  }
  return key;
}

export const DEFAULT_ORIGIN = 'localhost/diptych';

export function checkpointSigner(key: SignerKey, crypto?: Crypto): CheckpointSigner {
  const verifier = ed25519Verifier(key.name, key.signer.publicKey, crypto);
  return {
    sign: (size, root) => utf8(signNote(formatCheckpoint({ origin: key.name, size, root }), [key.signer])),
    open(note) {
      const { checkpoint } = openCheckpoint(note, verifier, { origin: key.name });
      return { size: checkpoint.size, root: checkpoint.root };
    },
  };
}
