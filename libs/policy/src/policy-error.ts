/** Stable codes for everything that can go wrong with the policy file. */
export type PolicyErrorCode = 'ERR_POLICY_INVALID' | 'ERR_POLICY_UNREADABLE';

/**
 * Thrown at boot when the policy cannot be used. `problems` names every bad
 * field (`accessToken.lifetimeSeconds must be ...`), so one run shows them all.
 */
export class PolicyError extends Error {
  readonly retriable = false;

  constructor(
    readonly code: PolicyErrorCode,
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid token policy:\n  - ${problems.join('\n  - ')}`, options);
    this.name = 'PolicyError';
  }
}
