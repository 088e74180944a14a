import { readFileSync } from 'node:fs';
import type { Policy } from '@tokenwarden/policy';
import { ClientFile, parseClientFile, RegisteredClient } from './client-config';
import { PublicKeyEntry } from './jwk-rules';
import { DEFAULT_SCRYPT, SecretHash, verifyClientSecret } from './secret-hash';

/** The clients file is unusable; `problems` names every bad field. Not retriable: fix the file. */
export class ClientConfigError extends Error {
  readonly retriable = false;

  constructor(readonly code: 'ERR_CLIENTS_INVALID' | 'ERR_CLIENTS_UNREADABLE', readonly problems: readonly string[], options?: { cause?: unknown }) {
    super(`invalid clients file:\n  - ${problems.join('\n  - ')}`, options);
    this.name = 'ClientConfigError';
  }
}

// Unknown client ids still pay for one scrypt run, so response time does not reveal which ids exist.
const DUMMY: SecretHash = { ...DEFAULT_SCRYPT, salt: Buffer.alloc(16, 1), hash: Buffer.alloc(32, 2) };

/** Registered clients and audience encryption keys, validated once at boot. */
export class ClientRegistry {
  private readonly byId: ReadonlyMap<string, RegisteredClient>;

  private constructor(private readonly file: ClientFile) {
    this.byId = new Map(file.clients.map((c) => [c.clientId, c]));
  }

  static fromJson(raw: unknown, policy: Policy): ClientRegistry {
    const { file, problems } = parseClientFile(raw, policy);
    if (problems.length > 0) throw new ClientConfigError('ERR_CLIENTS_INVALID', problems);
    return new ClientRegistry(file);
  }

  static load(path: string, policy: Policy): ClientRegistry {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (cause) {
      throw new ClientConfigError('ERR_CLIENTS_UNREADABLE', [`${path}: ${(cause as Error).message}`], { cause });
    }
    return ClientRegistry.fromJson(raw, policy);
  }

  get(clientId: string): RegisteredClient | undefined {
    return this.byId.get(clientId);
  }

  /** Every scope some client may request (RFC 8414 scopes_supported). */
  scopes(): string[] {
    return [...new Set(this.file.clients.flatMap((c) => c.scopes))].sort();
  }

  /** The key nested JWTs for `audience` are encrypted to, if the audience registered one. */
  encryptionKeyFor(audience: string): PublicKeyEntry | undefined {
    return this.file.encryptionKeys.get(audience);
  }

  /**
   * client_secret_basic / client_secret_post check. Constant-time compare of
   * scrypt outputs; false for unknown clients and for clients that use another method.
   */
  async verifySecret(clientId: string, secret: string): Promise<RegisteredClient | undefined> {
    const client = this.byId.get(clientId);
    const hash = this.file.secrets.get(clientId);
    const ok = await verifyClientSecret(hash ?? DUMMY, secret);
    return ok && hash && client && client.authMethod !== 'private_key_jwt' ? client : undefined;
  }
}
