import type { TokenwardenEvent } from '@tokenwarden/events';
import type { JWK } from 'jose';
import { keyLifecycle } from '../audit/audit-events';
import type { AuditPublisher } from '../audit/audit-publisher';
import { HeaderFactory, RequestContext, SCHEDULED } from '../audit/event-header';
import type { Log } from '@tokenwarden/config';
import type { KeyFile } from './key-file';
import type { KeyRotation } from './key-rotation';
import type { KeyLifecycleRecord, KeyStore } from './key-store';

export interface KeyServiceDeps {
  readonly store: KeyStore;
  readonly rotation: KeyRotation;
  /** Shared key directory (TW_KEY_DIR); absent: keys live in this process only. */
  readonly file?: KeyFile;
  /** Only the leader rotates and writes the key file; followers reload it. */
  readonly leader: boolean;
  readonly audit: AuditPublisher;
  readonly headers: HeaderFactory;
  readonly log: Log;
}

/** Public view of a lifecycle step, as the admin endpoint answers it. */
export interface KeyStep { readonly kid: string; readonly phase: string; readonly alg: string; readonly at: string }

/**
 * Key rotation as a service: runs the schedule (leader), keeps the shared key
 * file in step, and publishes one KeyLifecycle per step on `key-events`. A key
 * step is never undone for want of an event: its events are retried until
 * Kafka acknowledges them.
 */
export class KeyService {
  private fileMtimeMs: number | undefined;

  constructor(private readonly d: KeyServiceDeps) {}

  /** At boot: take over the shared keys, then (leader) bootstrap or catch up the schedule. */
  async start(): Promise<void> {
    this.reload();
    await this.tick();
  }

  /** The timer's work: the leader runs due steps, a follower picks up what the leader wrote. */
  async tick(ctx: RequestContext = SCHEDULED): Promise<KeyLifecycleRecord[]> {
    if (!this.d.leader) {
      this.reload();
      return [];
    }
    return this.after(await this.d.rotation.tick(), ctx);
  }

  /** Admin rotation: publish a successor now (it signs after one JWKS cache lifetime). */
  async rotateNow(ctx: RequestContext): Promise<KeyLifecycleRecord[]> {
    return this.after(await this.d.rotation.rotateNow(), ctx);
  }

  get leader(): boolean {
    return this.d.leader;
  }

  jwks(): { keys: JWK[] } {
    return this.d.store.jwks();
  }

  signingKid(): string | undefined {
    return this.d.store.signingKey()?.kid;
  }

  private async after(records: KeyLifecycleRecord[], ctx: RequestContext): Promise<KeyLifecycleRecord[]> {
    if (records.length === 0) return records;
    if (this.d.file) {
      this.d.file.write(this.d.store.export());
      this.fileMtimeMs = this.d.file.mtimeMs();
    }
    for (const r of records) this.d.log('info', 'key lifecycle', { kid: r.kid, phase: r.phase, cause: r.cause });
    const events = records.map((r) => keyLifecycle(this.d.headers.header(ctx), r)).filter((e): e is TokenwardenEvent => e !== undefined);
    await this.d.audit.publishEventually(events);
    return records;
  }

  private reload(): void {
    const file = this.d.file;
    const mtime = file?.mtimeMs();
    if (!file || mtime === undefined || mtime === this.fileMtimeMs) return;
    const keys = file.read();
    if (keys) this.d.store.sync(keys);
    this.fileMtimeMs = mtime;
  }
}

export const keyStep = (r: KeyLifecycleRecord): KeyStep => ({ kid: r.kid, phase: r.phase, alg: r.alg, at: new Date(r.atMs).toISOString() });
