import { ENUM_SYMBOLS, EventHeader, EventValueMap } from '@tokenwarden/events';

/** Event types a rule may match (KeyLifecycle feeds the key registry, not rules). */
export const MATCHABLE_TYPES = ['TokenIssued', 'TokenValidated', 'TokenRevoked', 'IssuanceDenied'] as const;
export type MatchableType = (typeof MATCHABLE_TYPES)[number];
export type MatchableEvent = EventValueMap[MatchableType];

export type FieldValue = string | boolean | null;

/** A field a rule can filter on, group by or count distinct values of. */
export interface FieldSpec {
  readonly kind: 'string' | 'enum' | 'boolean';
  /** Allowed values of an enum field, from the generated (schema-derived) symbols. */
  readonly symbols?: readonly string[];
  readonly read: (event: MatchableEvent) => FieldValue;
}

/** Field builders typed by event type; the stored reader takes any matchable event. */
function fieldsOf<T extends MatchableType>() {
  type Read<R> = (e: EventValueMap[T]) => R;
  const as = (read: Read<FieldValue>) => read as unknown as FieldSpec['read'];
  return {
    str: (read: Read<string | null>): FieldSpec => ({ kind: 'string', read: as(read) }),
    en: (symbols: readonly string[], read: Read<string>): FieldSpec => ({ kind: 'enum', symbols, read: as(read) }),
    bool: (read: Read<boolean>): FieldSpec => ({ kind: 'boolean', read: as(read) }),
  };
}
const header = (pick: (h: EventHeader) => string | null): FieldSpec => ({ kind: 'string', read: (e) => pick(e.header) });

/** Header fields every event carries; a rule names them without a prefix (`subject_ref`). */
export const HEADER_FIELDS: Readonly<Record<string, FieldSpec>> = {
  tenant_id: header((h) => h.tenant_id),
  subject_ref: header((h) => h.subject_ref),
  client_id: header((h) => h.client_id),
  ip: header((h) => h.ip),
  session_id: header((h) => h.session_id),
};

const ti = fieldsOf<'TokenIssued'>();
const tokenIssued = {
  jti: ti.str((e) => e.jti),
  kid: ti.str((e) => e.kid),
  alg: ti.str((e) => e.alg),
  iss: ti.str((e) => e.iss),
  family_id: ti.str((e) => e.family_id),
  token_kind: ti.en(ENUM_SYMBOLS.TokenKind, (e) => e.token_kind),
  grant_type: ti.en(ENUM_SYMBOLS.GrantType, (e) => e.grant_type),
};
const tv = fieldsOf<'TokenValidated'>();
const tokenValidated = {
  jti: tv.str((e) => e.jti),
  kid: tv.str((e) => e.kid),
  alg: tv.str((e) => e.alg),
  iss: tv.str((e) => e.iss),
  validator: tv.str((e) => e.validator),
  resource_server: tv.str((e) => e.resource_server),
  outcome: tv.en(ENUM_SYMBOLS.ValidationOutcome, (e) => e.outcome),
  reason: tv.en(ENUM_SYMBOLS.ValidationReason, (e) => e.reason),
};
const tr = fieldsOf<'TokenRevoked'>();
const tokenRevoked = {
  jti: tr.str((e) => e.jti),
  iss: tr.str((e) => e.iss),
  family_id: tr.str((e) => e.family_id),
  revoked_by: tr.str((e) => e.revoked_by),
  token_kind: tr.en(ENUM_SYMBOLS.TokenKind, (e) => e.token_kind),
  reason: tr.en(ENUM_SYMBOLS.RevocationReason, (e) => e.reason),
  cascade: tr.bool((e) => e.cascade),
};
const id = fieldsOf<'IssuanceDenied'>();
const issuanceDenied = {
  reason: id.en(ENUM_SYMBOLS.DenialReason, (e) => e.reason),
  requested_grant: id.en(ENUM_SYMBOLS.GrantType, (e) => e.requested_grant),
};

/**
 * What the detector can read from each event type, named as in the .avsc
 * files (a unit test checks every name and enum against schemas/avro).
 */
export const BODY_FIELDS = {
  TokenIssued: tokenIssued,
  TokenValidated: tokenValidated,
  TokenRevoked: tokenRevoked,
  IssuanceDenied: issuanceDenied,
} as Readonly<Record<MatchableType, Readonly<Record<string, FieldSpec>>>>;

/** The reader of `name` on `type`, header fields included; undefined when the type has no such field. */
export function fieldOf(type: MatchableType, name: string): FieldSpec | undefined {
  return Object.prototype.hasOwnProperty.call(BODY_FIELDS[type], name) ? BODY_FIELDS[type][name]
    : Object.prototype.hasOwnProperty.call(HEADER_FIELDS, name) ? HEADER_FIELDS[name] : undefined;
}

/** Where `fieldOf(type, name)` reads: the dotted path into the event (`jti`, `header.subject_ref`). */
export function fieldPath(type: MatchableType, name: string): string {
  return Object.prototype.hasOwnProperty.call(BODY_FIELDS[type], name) ? name : `header.${name}`;
}

export const isMatchableType = (t: string): t is MatchableType => (MATCHABLE_TYPES as readonly string[]).includes(t);
