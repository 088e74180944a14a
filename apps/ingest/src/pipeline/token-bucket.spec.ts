import { ProducerRateLimiter } from './token-bucket';

function setup() {
  let now = 1_000_000;
  const limiter = new ProducerRateLimiter(() => now);
  return { limiter, advance: (ms: number) => (now += ms) };
}
const LIMIT = { eventsPerSecond: 10, burst: 20 };

describe('ProducerRateLimiter', () => {
  it('lets a burst through, then refuses with the seconds until it would pass', () => {
    const { limiter } = setup();
    expect(limiter.take('p', LIMIT, 15)).toEqual({ ok: true });
    expect(limiter.take('p', LIMIT, 10)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take('p', LIMIT, 5)).toEqual({ ok: true });
    expect(limiter.take('p', LIMIT, 20)).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(limiter.peek('p', LIMIT)).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it('refills at the configured rate, up to the burst', () => {
    const { limiter, advance } = setup();
    limiter.take('p', LIMIT, 20);
    advance(500);
    expect(limiter.take('p', LIMIT, 5)).toEqual({ ok: true });
    expect(limiter.take('p', LIMIT, 1)).toMatchObject({ ok: false });
    advance(60_000);
    expect(limiter.take('p', LIMIT, 21)).toMatchObject({ ok: false });
    expect(limiter.take('p', LIMIT, 20)).toEqual({ ok: true });
  });

  it('keeps producers apart', () => {
    const { limiter } = setup();
    limiter.take('a', LIMIT, 20);
    expect(limiter.take('b', LIMIT, 20)).toEqual({ ok: true });
  });
});
