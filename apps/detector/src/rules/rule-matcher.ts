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
    byType.set(clause.type, [...(byType.get(clause.type) ?? []), allOf(conditions)]);
  }
  return new Map([...byType].map(([type, ps]) => [type, anyOf(ps)]));
}

/** Always true: a clause without conditions. Engines test for it to skip the call. */
export const MATCH_ALL: EventPredicate = () => true;

// Plain loops and one/two-condition shapes: these run for every event and every rule of its type.
function allOf(ps: EventPredicate[]): EventPredicate {
  if (ps.length === 0) return MATCH_ALL;
  if (ps.length === 1) return ps[0];
  if (ps.length === 2) {
    const [a, b] = ps;
    return (e) => a(e) && b(e);
  }
  return (e) => {
    for (let i = 0; i < ps.length; i++) if (!ps[i](e)) return false;
    return true;
  };
}

function anyOf(ps: EventPredicate[]): EventPredicate {
  if (ps.includes(MATCH_ALL)) return MATCH_ALL;
  if (ps.length === 1) return ps[0];
  return (e) => {
    for (let i = 0; i < ps.length; i++) if (ps[i](e)) return true;
    return false;
  };
}

function condition(field: FieldSpec, values: readonly FieldValue[]): EventPredicate {
  const read = field.read;
  if (values.length === 1) {
    const only = values[0];
    return (e) => read(e) === only;
  }
  const allowed = new Set(values);
  return (e) => allowed.has(read(e));
}

/** The fields each check reads besides header.event_time (kept beside checkOf: the decoder builds only these). */
export const CHECK_FIELDS: Readonly<Record<MatchCheck, readonly string[]>> = {
  lifetime_exceeds_policy: ['token_kind', 'lifetime_seconds'],
  signing_key_past_rotation: ['kid'],
  alg_outside_policy: ['alg'],
};

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
