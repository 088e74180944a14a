import type { EventValueMap } from '@tokenwarden/events';
import { Policy, rotationTimings } from '@tokenwarden/policy';
import type { KeyRegistry } from '../engine/key-registry';
import { fieldOf, FieldSpec, FieldValue, MatchableEvent, MatchableType } from './event-fields';
import { MatchCheck, RuleDefinition } from './rule-definition';

export type EventPredicate = (event: MatchableEvent) => boolean;

/** What the policy checks need besides the event. */
export interface CheckContext {
  readonly policy: Policy;
  readonly keys: KeyRegistry;
}

/**
 * Compiles a rule's match clauses into one predicate per event type (types
 * the rule does not match are absent). Clauses of the same type are OR-ed.
 */
export function compileMatch(rule: RuleDefinition, ctx: CheckContext): Map<MatchableType, EventPredicate> {
  const byType = new Map<MatchableType, EventPredicate[]>();
  for (const clause of rule.match) {
    const conditions = Object.entries(clause.where).map(([name, values]) => condition(fieldOf(clause.type, name)!, values));
    if (clause.check) conditions.push(checkOf(clause.check, ctx) as EventPredicate);
    const all: EventPredicate = conditions.length === 0 ? () => true : (e) => conditions.every((c) => c(e));
    byType.set(clause.type, [...(byType.get(clause.type) ?? []), all]);
  }
  return new Map([...byType].map(([type, ps]) => [type, ps.length === 1 ? ps[0] : (e: MatchableEvent) => ps.some((p) => p(e))]));
}

function condition(field: FieldSpec, values: readonly FieldValue[]): EventPredicate {
  const allowed = new Set(values);
  return (e) => allowed.has(field.read(e));
}

function checkOf(check: MatchCheck, { policy, keys }: CheckContext): (e: MatchableEvent) => boolean {
  switch (check) {
    case 'lifetime_exceeds_policy':
      return (e) => lifetimeExceeds(policy, e as EventValueMap['TokenIssued']);
    case 'signing_key_past_rotation': {
      const limitMs = (rotationTimings(policy).rotationPeriodSeconds + policy.clockToleranceSeconds) * 1000;
      return (e) => {
        const activated = keys.activatedAtMs((e as EventValueMap['TokenIssued']).kid);
        return activated !== undefined && e.header.event_time - activated > limitMs;
      };
    }
    case 'alg_outside_policy': {
      const allowed = new Set<string>(policy.algorithms.allowed);
      return (e) => {
        const alg = (e as EventValueMap['TokenIssued'] | EventValueMap['TokenValidated']).alg;
        return alg !== null && !allowed.has(alg);
      };
    }
  }
}

/** Longest lifetime the policy allows for a token kind; undefined when it sets none (unknown kinds). */
export function policyLifetimeSeconds(policy: Policy, kind: EventValueMap['TokenIssued']['token_kind']): number | undefined {
  switch (kind) {
    case 'ACCESS':
    case 'ID':
      return policy.accessToken.lifetimeSeconds;
    case 'REFRESH':
      return policy.refreshToken.lifetimeSeconds;
    case 'UNKNOWN':
      return undefined;
  }
}

function lifetimeExceeds(policy: Policy, e: EventValueMap['TokenIssued']): boolean {
  const limit = policyLifetimeSeconds(policy, e.token_kind);
  return limit !== undefined && e.lifetime_seconds > limit;
}
