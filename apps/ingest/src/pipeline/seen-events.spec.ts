import { SeenEvents } from './seen-events';

function setup(maxIds = 3, ttlMs = 60_000) {
  let now = 0;
  const seen = new SeenEvents(maxIds, ttlMs, () => now);
  const acked = async (id: string, producer = 'p') => {
    seen.track(producer, id, Promise.resolve());
    await Promise.resolve();
    await Promise.resolve();
  };
  return { seen, acked, advance: (ms: number) => (now += ms) };
}

describe('SeenEvents', () => {
  it('remembers acknowledged ids per producer', async () => {
    const { seen, acked } = setup();
    await acked('e1');
    expect(seen.state('p', 'e1')).toEqual({ kind: 'done' });
    expect(seen.state('q', 'e1')).toEqual({ kind: 'new' });
  });

  it('reports in-flight ids as pending and forgets them when publishing fails', async () => {
    const { seen } = setup();
    let fail: (err: Error) => void = () => undefined;
    seen.track('p', 'e1', new Promise((_resolve, reject) => (fail = reject)));
    const state = seen.state('p', 'e1');
    expect(state.kind).toBe('pending');
    fail(new Error('broker down'));
    await expect((state as { settled: Promise<boolean> }).settled).resolves.toBe(false);
    expect(seen.state('p', 'e1')).toEqual({ kind: 'new' });
  });

  it('evicts the oldest beyond the bound, and expires by age', async () => {
    const { seen, acked, advance } = setup(3, 1000);
    for (const id of ['e1', 'e2', 'e3', 'e4']) await acked(id);
    expect(seen.size('p')).toBe(3);
    expect(seen.state('p', 'e1')).toEqual({ kind: 'new' });
    expect(seen.state('p', 'e4')).toEqual({ kind: 'done' });
    advance(1000);
    expect(seen.state('p', 'e4')).toEqual({ kind: 'new' });
  });

  it('remembers nothing when the bound is 0', async () => {
    const { seen } = setup(0);
    seen.track('p', 'e1', Promise.resolve());
    await Promise.resolve();
    expect(seen.state('p', 'e1')).toEqual({ kind: 'new' });
  });
});
