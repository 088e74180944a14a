import { setImmediate as tick } from 'node:timers/promises';
import { ClickHouseError, ClickHouseRow, RowBinaryRows } from '@tokenwarden/clickhouse';
import { readRowBinary } from '../../../../libs/clickhouse/src/row-binary-reader.fixture';
import { InsertBatcher } from './insert-batcher';
import { ProjectorTable, TABLE_SCHEMAS } from './row-mapping';

type Outcome = 'ok' | Error | Promise<void>;

/** A row of `table` whose first column (event_id or alert_id) is `id`, every other column a value of its type. */
function row(table: ProjectorTable, id: string): ClickHouseRow {
  const value = (type: string) => (type === 'String' ? 'x' : type.startsWith('Nullable') ? null : type.startsWith('Array') ? [] : 0);
  return Object.fromEntries(Object.entries(TABLE_SCHEMAS[table]).map(([c, type], i) => [c, i === 0 ? id : value(type)]));
}

function setup(options: { maxRows?: number; maxInFlight?: number; outcome?: (ids: string[]) => Outcome } = {}) {
  const calls: Array<{ table: string; ids: string[] }> = [];
  const store = {
    insertRowBinary: async (table: string, parts: RowBinaryRows | readonly RowBinaryRows[]) => {
      const list = parts instanceof RowBinaryRows ? [parts] : parts;
      const ids = list.flatMap((p) => readRowBinary(Buffer.concat(p.chunks), p.types).map((values) => values[0] as string));
      calls.push({ table, ids });
      const outcome = options.outcome?.(ids) ?? 'ok';
      if (outcome instanceof Error) throw outcome;
      if (outcome !== 'ok') await outcome;
    },
  };
  const batcher = new InsertBatcher({
    store,
    tables: { token_events: 'db.token_events', key_events: 'db.key_events', alerts: 'db.alerts' },
    maxRows: options.maxRows ?? 1000,
    maxInFlight: options.maxInFlight ?? 2,
  });
  /** One handler call: adds `ids` to token_events, closes, and reports how its rows fared. */
  const contribute = (ids: string[], table: ProjectorTable = 'token_events') => {
    const c = batcher.open();
    for (const id of ids) c.add(table, row(table, id));
    c.close();
    return c.landed().then(
      () => 'landed',
      (err: ClickHouseError) => err.code ?? String(err),
    );
  };
  return { batcher, calls, contribute };
}

const poison = () => new ClickHouseError('ERR_CLICKHOUSE_QUERY', 'Code: 27 cannot parse', { serverCode: 27 });

describe('InsertBatcher', () => {
  it('sends the rows of calls made together in one insert per table', async () => {
    const t = setup();
    const results = await Promise.all([t.contribute(['a1', 'a2']), t.contribute(['b1']), t.contribute(['k1'], 'key_events')]);
    expect(results).toEqual(['landed', 'landed', 'landed']);
    expect(t.calls).toEqual([
      { table: 'db.token_events', ids: ['a1', 'a2', 'b1'] },
      { table: 'db.key_events', ids: ['k1'] },
    ]);
  });

  it('resolves a call only after the insert of its rows succeeded', async () => {
    let finish!: () => void;
    const t = setup({ outcome: () => new Promise<void>((resolve) => (finish = resolve)) });
    let landed = false;
    const result = t.contribute(['a1']).then((r) => ((landed = true), r));
    for (let i = 0; i < 5; i += 1) await tick();
    expect(t.calls).toHaveLength(1);
    expect(landed).toBe(false);
    finish();
    expect(await result).toBe('landed');
  });

  it('starts an insert at maxRows while a call is still adding rows, and waits for all of its inserts', async () => {
    const t = setup({ maxRows: 2 });
    const c = t.batcher.open();
    c.add('token_events', row('token_events', 'a1'));
    c.add('token_events', row('token_events', 'a2'));
    await tick();
    expect(t.calls.map((x) => x.ids)).toEqual([['a1', 'a2']]);
    c.add('token_events', row('token_events', 'a3'));
    c.close();
    await c.landed();
    expect(t.calls.map((x) => x.ids)).toEqual([['a1', 'a2'], ['a3']]);
  });

  it('lets an insert leave at a quarter of maxRows while no insert runs, and at maxRows while one does', async () => {
    let finish!: () => void;
    const first = new Promise<void>((resolve) => (finish = resolve));
    const t = setup({ maxRows: 8, outcome: (ids) => (ids[0] === 'a1' ? first : 'ok') });
    const c = t.batcher.open();
    for (const id of ['a1', 'a2']) c.add('token_events', row('token_events', id));
    await tick();
    expect(t.calls.map((x) => x.ids)).toEqual([['a1', 'a2']]); // ClickHouse had nothing to do
    for (const id of ['a3', 'a4', 'a5']) c.add('token_events', row('token_events', id));
    for (let i = 0; i < 5; i += 1) await tick();
    expect(t.calls).toHaveLength(1); // an insert runs: these wait for maxRows or the end of the call
    finish();
    for (let i = 0; i < 5; i += 1) await tick();
    expect(t.calls.map((x) => x.ids)).toEqual([['a1', 'a2'], ['a3', 'a4', 'a5']]);
    c.close();
    await c.landed();
  });

  it('holds rows while maxInFlight inserts run and sends them together afterwards', async () => {
    let finish!: () => void;
    const first = new Promise<void>((resolve) => (finish = resolve));
    const t = setup({ maxInFlight: 1, outcome: (ids) => (ids[0] === 'a1' ? first : 'ok') });
    const a = t.contribute(['a1']);
    await tick();
    const b = t.contribute(['b1']);
    const c = t.contribute(['c1']);
    for (let i = 0; i < 5; i += 1) await tick();
    expect(t.calls.map((x) => x.ids)).toEqual([['a1']]);
    finish();
    expect(await Promise.all([a, b, c])).toEqual(['landed', 'landed', 'landed']);
    expect(t.calls.map((x) => x.ids)).toEqual([['a1'], ['b1', 'c1']]);
  });

  it('blames only the call whose rows ClickHouse refuses: a shared insert that fails for good is retried call by call', async () => {
    const t = setup({ outcome: (ids) => (ids.includes('bad') ? poison() : 'ok') });
    const results = await Promise.all([t.contribute(['a1']), t.contribute(['b1', 'bad']), t.contribute(['c1'])]);
    expect(results).toEqual(['landed', 'ERR_CLICKHOUSE_QUERY', 'landed']);
    expect(t.calls.map((x) => x.ids)).toEqual([['a1', 'b1', 'bad', 'c1'], ['a1'], ['b1', 'bad'], ['c1']]);
  });

  it('fails every call of the insert when ClickHouse is away (retriable), without retrying them apart', async () => {
    const t = setup({ outcome: () => new ClickHouseError('ERR_CLICKHOUSE_UNAVAILABLE', 'connect ECONNREFUSED') });
    const results = await Promise.all([t.contribute(['a1']), t.contribute(['b1'])]);
    expect(results).toEqual(['ERR_CLICKHOUSE_UNAVAILABLE', 'ERR_CLICKHOUSE_UNAVAILABLE']);
    expect(t.calls).toHaveLength(1);
  });

  it('turns a missing table into a retriable ERR_PROJECTOR_SCHEMA_MISSING', async () => {
    const t = setup({ outcome: () => new ClickHouseError('ERR_CLICKHOUSE_QUERY', 'Code: 60 table does not exist', { serverCode: 60 }) });
    expect(await Promise.all([t.contribute(['a1']), t.contribute(['b1'])])).toEqual(['ERR_PROJECTOR_SCHEMA_MISSING', 'ERR_PROJECTOR_SCHEMA_MISSING']);
    expect(t.calls).toHaveLength(1);
  });

  it('refuses a row it cannot encode without adding anything of it', async () => {
    const t = setup();
    const c = t.batcher.open();
    expect(() => c.add('token_events', { ...row('token_events', 'bad'), detail: 'x\ud800' })).toThrow(
      expect.objectContaining({ code: 'ERR_CLICKHOUSE_VALUE' }),
    );
    c.add('token_events', row('token_events', 'a1'));
    c.close();
    await c.landed();
    expect(t.calls.map((x) => x.ids)).toEqual([['a1']]);
  });

  it('lands a call that added nothing at once', async () => {
    const t = setup();
    expect(await t.contribute([])).toBe('landed');
    expect(t.calls).toEqual([]);
  });
});
