import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClickHouseStore } from '@tokenwarden/clickhouse';
import { bindQuery, setupAnalystDatabase } from './analyst-fixture';
import { loadDataset } from './dataset';
import { expectedRows, queryValues, savedQueries } from './saved-queries';

const DOC = join(__dirname, '..', '..', 'docs', 'analysts.md');

describe('saved investigation queries (docs/queries) against real data', () => {
  let store: ClickHouseStore;
  let database: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ store, database, drop } = await setupAnalystDatabase('analyst_queries'));
    await loadDataset(store, database);
  });
  afterAll(async () => drop());

  it('there are at least ten, each with values and an expected answer here', () => {
    const files = savedQueries().map((q) => q.file);
    expect(files.length).toBeGreaterThanOrEqual(10);
    expect(files).toEqual(Object.keys(queryValues).sort());
    expect(files).toEqual(Object.keys(expectedRows).sort());
  });

  it('docs/analysts.md contains every saved query verbatim', () => {
    const doc = readFileSync(DOC, 'utf8');
    for (const { file, text } of savedQueries()) {
      expect({ file, inDoc: doc.includes(`\`\`\`sql\n${text.trimEnd()}\n\`\`\``) }).toEqual({ file, inDoc: true });
    }
  });

  it.each(savedQueries().map((q) => [q.file, q.text]))('%s returns the expected rows', async (file, text) => {
    const rows = await store.query(bindQuery(text, database, queryValues[file]));
    expect(rows).toEqual(expectedRows[file]);
  });
});
