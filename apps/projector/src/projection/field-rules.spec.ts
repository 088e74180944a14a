import { decode, encode, EventTypeName, EventValueMap, TokenwardenEvent } from '@tokenwarden/events';
import { sampleEvent } from '../../../../libs/events/fixtures/samples';
import { fieldRuleProblem } from './field-rules';

const NOW = Date.UTC(2024, 10, 29, 13, 20, 0);
const options = { maxFutureMs: 3600_000 };

function check<K extends EventTypeName>(type: K, overrides: Partial<EventValueMap[K]> = {}, header: object = {}) {
  const base = sampleEvent(type, overrides);
  const value = { ...base, header: { ...base.header, event_time: NOW - 1000, ...header } };
  return fieldRuleProblem({ type, value } as TokenwardenEvent, NOW, options);
}

describe('fieldRuleProblem', () => {
  it('accepts the samples of every type', () => {
    for (const type of ['TokenIssued', 'TokenValidated', 'TokenRevoked', 'KeyLifecycle', 'Alert'] as const) {
      expect(check(type)).toBeUndefined();
    }
  });

  it('refuses an empty or blank tenant', () => {
    expect(check('TokenIssued', {}, { tenant_id: '' })).toBe('header.tenant_id is empty');
    expect(check('TokenIssued', {}, { tenant_id: '  ' })).toBe('header.tenant_id is empty');
  });

  it('refuses event times far in the future or before 2000, within the configured skew', () => {
    expect(check('TokenIssued', {}, { event_time: NOW + 3600_000 })).toBeUndefined();
    expect(check('TokenIssued', {}, { event_time: NOW + 3600_001 })).toMatch(/event_time is more than 3600 s in the future/);
    expect(check('TokenIssued', {}, { event_time: 0 })).toMatch(/before 2000/);
  });

  it('refuses a field holding what looks like a raw JWT, naming the field but not the value', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
    const problem = check('TokenIssued', { scope: ['read', `x ${jwt}`] });
    expect(problem).toBe('TokenIssued.scope[1] holds what looks like a raw JWT');
    expect(problem).not.toContain('eyJ');
    expect(check('TokenIssued', {}, { trace_id: jwt })).toBe('TokenIssued.header.trace_id holds what looks like a raw JWT');
    expect(check('TokenIssued', { scope: ['eyJhbGciOiJFUzI1NiJ9 without dots'] })).toBeUndefined();
  });

  it('finds a raw JWT through the Avro bytes it was decoded from, and walks no event whose bytes hold none', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
    const base = sampleEvent('TokenIssued');
    const at = (scope: string[]) => {
      const bytes = encode('TokenIssued', { ...base, header: { ...base.header, event_time: NOW - 1000 }, scope });
      return { event: decode(bytes), bytes };
    };
    const leaky = at(['read', jwt]);
    expect(fieldRuleProblem(leaky.event, NOW, options, leaky.bytes)).toBe('TokenIssued.scope[1] holds what looks like a raw JWT');
    const clean = at(['read']);
    expect(fieldRuleProblem(clean.event, NOW, options, clean.bytes)).toBeUndefined();
    // The bytes are trusted to be the event's: bytes without "eyJ" skip the walk.
    expect(fieldRuleProblem(leaky.event, NOW, options, clean.bytes)).toBeUndefined();
  });

  it('refuses values outside the non-nullable columns of key_events and alerts', () => {
    expect(check('KeyLifecycle', { key_created_at: -1 })).toMatch(/key_created_at is outside/);
    expect(check('Alert', { window_end: 2 ** 45 })).toMatch(/window_end is outside/);
    expect(check('Alert', { count: -1 })).toMatch(/count and threshold/);
    expect(check('Alert', { alert_id: '' })).toBe('alert_id is empty');
  });
});
