import { randomUUID } from 'node:crypto';
import { ClickHouseError, RowBinaryRows } from '@tokenwarden/clickhouse';
import { EventCodec, EventTypeName, EventValueMap } from '@tokenwarden/events';
import { ConsumedRecord } from '@tokenwarden/kafka';
import { readRowBinary } from '../../../../libs/clickhouse/src/row-binary-reader.fixture';
import { sampleEvent } from '../../../../libs/events/fixtures/samples';
import { BatchProjector } from './batch-projector';

const NOW = Date.UTC(2024, 10, 29, 14, 0, 0);
const codec = new EventCodec();

function setup(failWith?: () => Error) {
  // Each insert as the rows it carried: column name to the value read back from the RowBinary body.
  const inserts: Array<{ table: string; rows: Array<Record<string, unknown>> }> = [];
  const store = {
    insertRowBinary: async (table: string, parts: RowBinaryRows | readonly RowBinaryRows[]) => {
      if (failWith) throw failWith();
      const list = parts instanceof RowBinaryRows ? [parts] : parts;
      const rows = list.flatMap((p) =>
        readRowBinary(Buffer.concat(p.chunks), p.types).map((values) => Object.fromEntries(values.map((v, i) => [p.columns[i], v]))),
      );
      inserts.push({ table, rows });
    },
  };
  const projector = new BatchProjector({ codec, store, database: 'db', maxRecordBytes: 4096, maxFutureMs: 60_000, now: () => NOW });
  let offset = 0;
  const record = (value: Buffer | null): ConsumedRecord => ({
    topic: 't',
    partition: 0,
    offset: String(offset++),
    key: null,
    value,
    headers: {},
    timestampMs: NOW,
  });
  const event = <K extends EventTypeName>(type: K, header: object = {}) => {
    const base = sampleEvent(type);
    return record(codec.encode(type, { ...base, header: { ...base.header, event_id: randomUUID(), event_time: NOW - 1000, ...header } } as EventValueMap[K]));
  };
  return { projector, inserts, record, event };
}

describe('BatchProjector', () => {
  it('inserts one batch per table and rejects nothing when all records are good', async () => {
    const t = setup();
    const out = await t.projector.handle([t.event('TokenIssued'), t.event('KeyLifecycle'), t.event('TokenRevoked'), t.event('Alert')]);
    expect(out.rejected).toEqual([]);
    expect(t.inserts.map((i) => [i.table, i.rows.length])).toEqual([
      ['db.token_events', 2],
      ['db.key_events', 1],
      ['db.alerts', 1],
    ]);
  });

  it('rejects each poison record with its code and still inserts the good ones', async () => {
    const t = setup();
    const good = t.event('TokenIssued');
    const valid = t.event('TokenValidated');
    const truncated = t.record(valid.value!.subarray(0, valid.value!.length - 3));
    const unknownFp = t.record(Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.alloc(8, 0xab), Buffer.from('xx')]));
    const batch = [
      t.record(Buffer.from('random bytes')),
      unknownFp,
      truncated,
      t.event('TokenIssued', { tenant_id: '' }),
      t.event('TokenIssued', { event_time: NOW + 3600_000 }),
      t.record(Buffer.alloc(5000, 0xc3)),
      t.record(null),
      good,
    ];
    const out = await t.projector.handle(batch);
    expect(out.rejected?.map((r) => [r.record.offset, r.code])).toEqual([
      [batch[0].offset, 'ERR_CODEC_BAD_MAGIC'],
      [batch[1].offset, 'ERR_CODEC_UNKNOWN_FINGERPRINT'],
      [batch[2].offset, 'ERR_CODEC_TRUNCATED'],
      [batch[3].offset, 'ERR_PROJECTOR_FIELD_RULE'],
      [batch[4].offset, 'ERR_PROJECTOR_FIELD_RULE'],
      [batch[5].offset, 'ERR_PROJECTOR_TOO_LARGE'],
      [batch[6].offset, 'ERR_CODEC_NOT_BYTES'],
    ]);
    expect(t.inserts).toHaveLength(1);
    expect(t.inserts[0].rows.map((r) => r.event_id)).toEqual([codec.decode(good.value!).value.header.event_id]);
  });

  it('inserts the rows of partitions handled together in one insert, and returns each its own rejections', async () => {
    const t = setup();
    const [a, b] = [t.event('TokenIssued'), t.event('TokenValidated')];
    const out = await Promise.all([t.projector.handle([a, t.record(Buffer.from('junk'))]), t.projector.handle([b])]);
    expect(out.map((o) => o.rejected?.map((r) => r.code))).toEqual([['ERR_CODEC_BAD_MAGIC'], []]);
    expect(t.inserts.map((i) => [i.table, i.rows.map((r) => r.event_id)])).toEqual([
      ['db.token_events', [a, b].map((r) => codec.decode(r.value!).value.header.event_id)],
    ]);
  });

  it('lets a retriable ClickHouse failure through, so the runner pauses and retries the whole batch', async () => {
    const t = setup(() => new ClickHouseError('ERR_CLICKHOUSE_UNAVAILABLE', 'connect ECONNREFUSED'));
    await expect(t.projector.handle([t.event('TokenIssued')])).rejects.toMatchObject({ code: 'ERR_CLICKHOUSE_UNAVAILABLE', retriable: true });
  });

  it('waits (retriable) rather than dead-lettering when the table is missing', async () => {
    const t = setup(() => new ClickHouseError('ERR_CLICKHOUSE_QUERY', 'Code: 60 table does not exist', { serverCode: 60 }));
    await expect(t.projector.handle([t.event('TokenIssued')])).rejects.toMatchObject({ code: 'ERR_PROJECTOR_SCHEMA_MISSING', retriable: true });
  });

  it('lets a row ClickHouse refuses through as non-retriable, so the runner isolates it', async () => {
    const t = setup(() => new ClickHouseError('ERR_CLICKHOUSE_QUERY', 'Code: 27 cannot parse', { serverCode: 27 }));
    await expect(t.projector.handle([t.event('TokenIssued')])).rejects.toMatchObject({ code: 'ERR_CLICKHOUSE_QUERY', retriable: false });
  });

  it('lets bugs crash', async () => {
    const t = setup(() => new TypeError('boom'));
    await expect(t.projector.handle([t.event('TokenIssued')])).rejects.toBeInstanceOf(TypeError);
  });
});
