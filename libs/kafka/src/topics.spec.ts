import { topicNames, topicSpecs } from './topics';

describe('topics', () => {
  it('applies the prefix to every topic', () => {
    expect(Object.values(topicNames('t1.'))).toEqual([
      't1.token-events',
      't1.key-events',
      't1.revocations',
      't1.alerts',
      't1.dead-letters',
    ]);
  });

  it('compacts revocations and keeps the audit topics forever', () => {
    const specs = topicSpecs(topicNames(''), 6);
    const byName = Object.fromEntries(specs.map((s) => [s.name, s]));
    expect(byName['revocations'].config['cleanup.policy']).toBe('compact');
    expect(byName['token-events'].config['retention.ms']).toBe('-1');
    expect(byName['token-events'].partitions).toBe(6);
  });
});
