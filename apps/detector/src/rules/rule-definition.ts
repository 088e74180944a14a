import type { Severity } from '@tokenwarden/events';
import type { FieldValue, MatchableType } from './event-fields';

/**
 * Checks that need the governance policy or detector state rather than a
 * field value: `lifetime_exceeds_policy` (TokenIssued lifetime above the
 * policy's limit for its kind), `signing_key_past_rotation` (TokenIssued
 * signed by a key activated longer ago than the rotation period),
 * `alg_outside_policy` (an alg that the policy does not allow).
 */
export const MATCH_CHECKS = ['lifetime_exceeds_policy', 'signing_key_past_rotation', 'alg_outside_policy'] as const;
export type MatchCheck = (typeof MATCH_CHECKS)[number];

/** Which event types each check can judge. */
export const CHECK_TYPES: Readonly<Record<MatchCheck, readonly MatchableType[]>> = {
  lifetime_exceeds_policy: ['TokenIssued'],
  signing_key_past_rotation: ['TokenIssued'],
  alg_outside_policy: ['TokenIssued', 'TokenValidated'],
};

/** One alternative of a rule's match: an event type, field conditions (AND) and an optional check. */
export interface MatchClause {
  readonly type: MatchableType;
  /** field name -> allowed values; every listed field must hold one of its values. */
  readonly where: Readonly<Record<string, readonly FieldValue[]>>;
  readonly check?: MatchCheck;
}

/**
 * `threshold`: matching events per group key in the sliding window reach
 * `threshold`. `distinct`: distinct values of `distinctField` per group key
 * in the window reach `threshold`.
 */
export type RuleKind = 'threshold' | 'distinct';

/** A validated detection rule (see config/detection-rules.json and apps/detector/README.md). */
export interface RuleDefinition {
  readonly id: string;
  readonly version: number;
  readonly title: string;
  readonly severity: Exclude<Severity, 'UNKNOWN'>;
  readonly kind: RuleKind;
  /** Alternatives (OR); an event matches when one clause matches. */
  readonly match: readonly MatchClause[];
  readonly groupBy: string;
  readonly distinctField?: string;
  /** Distinct values tracked per key (fixed memory); at least `threshold`. */
  readonly maxDistinct: number;
  readonly windowSeconds: number;
  /** Sub-buckets per window: windows slide in steps of windowSeconds / subBuckets. */
  readonly subBuckets: number;
  readonly threshold: number;
  /** An incident absorbs follow-ups for this long after it opened; at least windowSeconds. */
  readonly cooldownSeconds: number;
  readonly mitre: readonly string[];
  /** Group key values this rule ignores (known scanners, load tests). */
  readonly suppressKeys: readonly string[];
}

export interface RuleSet {
  /** An event this much older than the newest event of its key is dropped (and counted). */
  readonly allowedLatenessSeconds: number;
  readonly rules: readonly RuleDefinition[];
}
