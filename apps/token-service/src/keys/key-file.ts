import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyError } from './key-error';
import type { StoredKey } from './key-store';

const FILE = 'signing-keys.json';

/**
 * Sealed signing keys in a directory shared by the instances of one issuer:
 * private keys stay encrypted under the KEK, the file is replaced atomically
 * (write, then rename), and followers reload it when its mtime changes.
 */
export class KeyFile {
  private readonly path: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.path = join(dir, FILE);
  }

  /** Modification time in ms, or undefined when no file exists yet. */
  mtimeMs(): number | undefined {
    try {
      return statSync(this.path).mtimeMs;
    } catch {
      return undefined;
    }
  }

  read(): StoredKey[] | undefined {
    if (this.mtimeMs() === undefined) return undefined;
    try {
      const doc = JSON.parse(readFileSync(this.path, 'utf8')) as { keys?: unknown };
      if (!Array.isArray(doc.keys)) throw new Error('no "keys" list');
      return doc.keys as StoredKey[];
    } catch (cause) {
      throw new KeyError('ERR_KEY_SEALED_INVALID', `${this.path} is not a key file: ${(cause as Error).message}`, { cause });
    }
  }

  write(keys: readonly StoredKey[]): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ keys }, null, 1), { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
