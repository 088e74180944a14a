import { EVENT_TYPE_NAMES, EventCodec, EventCodecError, EventTypeName, TokenwardenEvent } from '@tokenwarden/events';
import { OutgoingRecord, TopicNames } from '@tokenwarden/kafka';
import { contractProblems, RuleOptions } from './contract-rules';
import { FieldProblem, JsonToAvro } from './json-to-avro';

/** Types the ingest accepts: every event type but Alert, which only the detector writes. */
export const INGEST_TYPES: readonly EventTypeName[] = EVENT_TYPE_NAMES.filter((t) => t !== 'Alert');

/** An event that passed every check, with its Avro single-object bytes. */
export type EncodedEvent = TokenwardenEvent & { readonly bytes: Buffer };

/** A failure names whether the `type` itself was refused or fields of the event (paths relative to the event). */
export type Checked = { ok: true; event: EncodedEvent } | { ok: false; problems: FieldProblem[]; refusedType?: true };

/**
 * The event contract as the ingest applies it: JSON → Avro value (schema
 * walk), the rules the schema docs state, then the codec's own validation
 * and encoding. Encoding here, before anything is published, is what makes
 * a request all-or-nothing.
 */
export class EventContract {
  private readonly converters = new Map<EventTypeName, JsonToAvro>();

  constructor(private readonly codec: EventCodec, schemaSearchFrom?: string) {
    for (const s of codec.schemas()) {
      if (s.current && INGEST_TYPES.includes(s.typeName)) {
        this.converters.set(s.typeName, JsonToAvro.forSchemaFile(s.typeName, s.version, schemaSearchFrom));
      }
    }
  }

  /** Checks one `{type, event}` pair from a producer. */
  checkJson(type: unknown, json: unknown, rules: RuleOptions): Checked {
    if (type === 'Alert') return refuseType('Alert is written by the detector only; the ingest does not accept it');
    const converter = typeof type === 'string' ? this.converters.get(type as EventTypeName) : undefined;
    if (!converter) return refuseType(`must be one of ${INGEST_TYPES.join(', ')}`);
    const { value, problems } = converter.convert(json);
    if (problems.length > 0) return { ok: false, problems };
    return this.checkValue({ type, value } as TokenwardenEvent, rules);
  }

  /** Checks an event built in code (the adapters' output) by the same rules. */
  checkValue(event: TokenwardenEvent, rules: RuleOptions): Checked {
    const problems = contractProblems(event, rules);
    if (problems.length > 0) return { ok: false, problems };
    try {
      return { ok: true, event: { ...event, bytes: this.codec.encode(event.type, event.value as never) } as EncodedEvent };
    } catch (err) {
      if (!(err instanceof EventCodecError)) throw err;
      const paths = err.paths.length > 0 ? err.paths : ['(root)'];
      return { ok: false, problems: paths.map((path) => ({ path, message: `does not fit the Avro schema (${err.code})` })) };
    }
  }
}

const refuseType = (message: string): Checked => ({ ok: false, problems: [{ path: 'type', message }], refusedType: true });

/**
 * Topic and key per DESIGN.md: KeyLifecycle on key-events keyed by kid; every
 * other accepted type on token-events keyed by subject_ref, so one subject's
 * story stays ordered. The ingest never writes revocations: that compacted
 * topic belongs to the token service, and foreign issuers' tokens are not in it.
 */
export function recordOf(event: EncodedEvent, topics: TopicNames): OutgoingRecord {
  const base = { value: event.bytes, timestampMs: event.value.header.event_time };
  if (event.type === 'KeyLifecycle') return { ...base, topic: topics.keyEvents, key: event.value.kid };
  return { ...base, topic: topics.tokenEvents, key: event.value.header.subject_ref };
}
