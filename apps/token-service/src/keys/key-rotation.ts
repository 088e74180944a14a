import type { Policy } from '@tokenwarden/policy';
import { rotationTimings } from '@tokenwarden/policy';
import { generateSigningKey, KeyMaterial } from './key-material';
import { KeyLifecycleRecord, KeyStore } from './key-store';
import { planRotation } from './rotation-plan';

export interface KeyRotationDeps {
  readonly store: KeyStore;
  readonly policy: Policy;
  readonly kek: Uint8Array;
  readonly now: () => number;
  /** Where new keys come from: the HSM when PKCS#11 custody is configured; default jose, sealed under the KEK. */
  readonly generate?: () => Promise<KeyMaterial>;
}

/**
 * Drives the key store through its phases. Every method returns the lifecycle
 * records it caused, so the caller publishes one KeyLifecycle event per record.
 * Calls are serialized: two overlapping ticks must not publish two successors.
 */
export class KeyRotation {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: KeyRotationDeps) {}

  /** Does whatever the schedule says is due now (call it from a timer and at boot). */
  tick(): Promise<KeyLifecycleRecord[]> {
    return this.serial(() => this.runDue());
  }

  /** Admin rotation: publish a successor now; it signs after one cache lifetime (call tick to promote it). */
  rotateNow(): Promise<KeyLifecycleRecord[]> {
    return this.serial(async () => {
      const t = rotationTimings(this.deps.policy);
      const now = this.deps.now();
      return this.publishSuccessor(now + t.publishLeadSeconds * 1000, 'manual');
    });
  }

  /**
   * Compromise: the key stops verifying at once (its tokens get KEY_REVOKED)
   * and, if it was signing, a successor signs immediately, cache or not.
   */
  revoke(kid: string): Promise<KeyLifecycleRecord[]> {
    return this.serial(async () => [this.deps.store.revoke(kid, this.deps.now()), ...(await this.runDue('compromise'))]);
  }

  private async runDue(cause: KeyLifecycleRecord['cause'] = 'scheduled'): Promise<KeyLifecycleRecord[]> {
    const { store, now } = this.deps;
    const out: KeyLifecycleRecord[] = [];
    for (const step of planRotation(store.list(), now(), rotationTimings(this.deps.policy))) {
      switch (step.do) {
        case 'bootstrap': {
          // No verifier can hold a stale cache of an empty key set, so the first key signs at once.
          const c = cause === 'scheduled' ? 'bootstrap' : cause;
          const material = await this.generate();
          out.push(store.add(material, now(), c), store.advance(material.kid, now(), c), store.advance(material.kid, now(), c));
          break;
        }
        case 'publish-successor':
          out.push(...(await this.publishSuccessor(step.activateAfterMs, cause)));
          break;
        case 'activate':
          out.push(store.advance(step.kid, now(), cause));
          if (step.deactivate) out.push(store.advance(step.deactivate, now(), cause));
          break;
        case 'retire':
          out.push(store.advance(step.kid, now(), cause));
          break;
      }
    }
    return out;
  }

  private async publishSuccessor(activateAfterMs: number, cause: KeyLifecycleRecord['cause']): Promise<KeyLifecycleRecord[]> {
    const material = await this.generate();
    const { store, now } = this.deps;
    return [store.add(material, now(), cause), store.advance(material.kid, now(), cause, { activateAfterMs })];
  }

  private generate(): Promise<KeyMaterial> {
    return this.deps.generate ? this.deps.generate() : generateSigningKey(this.deps.policy.algorithms.signing, this.deps.kek);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
