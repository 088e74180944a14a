import { DEFAULT_MAX_MESSAGE_BYTES, defaultEventCodec, TokenwardenEvent } from '@tokenwarden/events';
import { ConsumedRecord } from '@tokenwarden/kafka';
import { BatchProjector } from '../../apps/projector/src/projection/batch-projector';
import { SqlStore } from './chdb-store';

/**
 * Feeds events to the projector's own batch handler as one consumed Kafka
 * batch: Avro single-object bytes in, decoded by the codec, checked by the
 * field rules, mapped by toRow, encoded as RowBinary and inserted with
 * `insertRowBinary`, exactly as the running projector does. Every row
 * gets `ingestedAtMs` as its ingested_at, as one projector batch does.
 * Returns the records the projector rejected (none expected).
 */
export async function feedProjector(
  store: SqlStore,
  database: string,
  events: readonly TokenwardenEvent[],
  ingestedAtMs: number,
): Promise<string[]> {
  const codec = defaultEventCodec();
  const projector = new BatchProjector({
    codec,
    store,
    database,
    maxRecordBytes: DEFAULT_MAX_MESSAGE_BYTES,
    maxFutureMs: 0,
    now: () => ingestedAtMs,
  });
  const records: ConsumedRecord[] = events.map((event, i) => ({
    topic: 'token-events',
    partition: 0,
    offset: String(i),
    key: null,
    // encode pairs a type with its value type; a union event cannot show TypeScript that pairing.
    value: codec.encode(event.type, event.value as never),
    headers: {},
    timestampMs: event.value.header.event_time,
  }));
  const { rejected = [] } = await projector.handle(records);
  return rejected.map((r) => `${r.code}: ${r.message}`);
}
