import { ClickHouseError } from './clickhouse-error';
import { monthlyPartitionEnd, retentionCutoff } from './retention';

describe('monthlyPartitionEnd', () => {
  it.each([
    ['202402', Date.UTC(2024, 2, 1)],
    ['202312', Date.UTC(2024, 0, 1)], // December ends at the next year's first instant
    ['197001', Date.UTC(1970, 1, 1)],
  ])('%s ends at the first instant of the next UTC month', (partition, end) => {
    expect(monthlyPartitionEnd(partition)).toBe(end);
  });

  it.each(['tuple()', '20240201', '2024-02', '202413', '202400', '196912', '', "202402'"])(
    'refuses %j: not a YYYYMM month',
    (partition) => {
      expect(monthlyPartitionEnd(partition)).toBeUndefined();
    },
  );
});

describe('retentionCutoff', () => {
  const now = Date.UTC(2025, 5, 15, 12, 0, 0);

  it('is now minus whole days', () => {
    expect(retentionCutoff(now, 400)).toBe(now - 400 * 86_400_000);
  });

  it('keeps a month until all of it is past the cutoff', () => {
    const cutoff = retentionCutoff(now, 30); // 2025-05-16T12:00Z
    expect(monthlyPartitionEnd('202504')! <= cutoff).toBe(true);
    expect(monthlyPartitionEnd('202505')! <= cutoff).toBe(false);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses %p days', (days) => {
    const run = () => retentionCutoff(now, days);
    expect(run).toThrow(ClickHouseError);
    expect(run).toThrow(expect.objectContaining({ code: 'ERR_CLICKHOUSE_VALUE', retriable: false }));
  });
});
