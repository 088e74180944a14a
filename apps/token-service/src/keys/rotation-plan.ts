import type { RotationTimings } from '@tokenwarden/policy';
import type { StoredKey } from './key-store';

/** One thing the rotation must do now. */
export type RotationStep =
  | { readonly do: 'bootstrap' }
  | { readonly do: 'publish-successor'; readonly activateAfterMs: number }
  | { readonly do: 'activate'; readonly kid: string; readonly deactivate?: string }
  | { readonly do: 'retire'; readonly kid: string };

const s = (seconds: number): number => seconds * 1000;

/**
 * Pure rotation schedule (issue 3, "Keys"): a successor is published one
 * verifier cache lifetime before the active key's period ends and signs from
 * then on; the old key stays published for the longest token lifetime + clock
 * tolerance + cache lifetime, then it is retired.
 */
export function planRotation(keys: readonly StoredKey[], nowMs: number, t: RotationTimings): RotationStep[] {
  const steps: RotationStep[] = [];
  const active = keys.find((k) => k.phase === 'active');
  const pending = keys
    .filter((k) => k.phase === 'published')
    .sort((a, b) => (a.activateAfterMs ?? 0) - (b.activateAfterMs ?? 0))[0];

  if (!active && !pending) steps.push({ do: 'bootstrap' });
  else if (!active && pending) {
    // No key signs (e.g. after a revocation): signing now beats waiting for caches.
    steps.push({ do: 'activate', kid: pending.kid });
  } else if (active) {
    const dueMs = (active.activatedAtMs ?? active.createdAtMs) + s(t.rotationPeriodSeconds);
    if (!pending && nowMs >= dueMs - s(t.publishLeadSeconds)) {
      steps.push({ do: 'publish-successor', activateAfterMs: Math.max(dueMs, nowMs + s(t.publishLeadSeconds)) });
    } else if (pending && nowMs >= (pending.activateAfterMs ?? 0)) {
      steps.push({ do: 'activate', kid: pending.kid, deactivate: active.kid });
    }
  }
  for (const k of keys) {
    if (k.phase === 'retiring' && nowMs >= (k.deactivatedAtMs ?? 0) + s(t.retireAfterSeconds)) {
      steps.push({ do: 'retire', kid: k.kid });
    }
  }
  return steps;
}
