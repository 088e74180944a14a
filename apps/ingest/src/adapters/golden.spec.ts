import { EventCodec } from '@tokenwarden/events';
import { GOLDEN_INSTANCE, GOLDEN_SUBJECT_KEY, GoldenCase, goldenCases, GoldenExpectation, testProducers, writeExpected } from '../../fixtures/golden';
import { EventContract } from '../contract/event-contract';
import { Auth0Adapter } from './auth0-adapter';
import { KeycloakAdapter } from './keycloak-adapter';
import { SourceAdapter, SubjectPseudonyms } from './source-adapter';

const NOW = Date.UTC(2024, 5, 11, 13, 0, 0);

function setup() {
  const producers = testProducers();
  const contract = new EventContract(new EventCodec());
  const adapters: Record<'keycloak' | 'auth0', SourceAdapter> = { keycloak: new KeycloakAdapter(), auth0: new Auth0Adapter() };
  const run = (c: GoldenCase): GoldenExpectation => {
    const producer = producers.find((p) => p.endpoint === c.source)!;
    const outcome = adapters[c.source].map(c.input, { producer, instanceId: GOLDEN_INSTANCE, pseudonyms: new SubjectPseudonyms(GOLDEN_SUBJECT_KEY) });
    if (outcome.kind === 'skipped') return { outcome: 'skipped' };
    if (outcome.kind === 'parked') return { outcome: 'parked', code: outcome.code };
    for (const e of outcome.events) {
      const checked = contract.checkValue(e, { nowMs: NOW, maxFutureMs: 3600_000, fingerprintRequired: false });
      if (!checked.ok) throw new Error(`${c.name}: ${JSON.stringify(checked.problems)}`);
    }
    return { outcome: 'mapped', events: outcome.events.map((e) => ({ type: e.type, value: e.value })) };
  };
  return { run };
}

describe.each(['keycloak', 'auth0'] as const)('%s golden fixtures', (source) => {
  const cases = goldenCases(source);

  it('has fixtures', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s maps as recorded', (_name, c) => {
    const { run } = setup();
    const actual = run(c);
    if (process.env.UPDATE_GOLDEN === '1') writeExpected(c, actual);
    else expect(actual).toEqual(c.expected);
  });

  it('never writes a raw user id, username or e-mail into an event', () => {
    const { run } = setup();
    for (const c of cases) {
      const text = JSON.stringify(run(c));
      for (const secret of ['6b1f3c9e-2d4a-4e8b-9f10-7a2c5d8e1b34', 'auth0|6650e2c1d4f3a2b1c0d9e8f7', 'jane', '@example.com', '11111111-2222-4333-8444-555555555555']) {
        expect(text).not.toContain(secret);
      }
    }
  });
});

describe('hostile source events', () => {
  const producers = testProducers();
  const ctx = (source: 'keycloak' | 'auth0') => ({ producer: producers.find((p) => p.endpoint === source)!, instanceId: 'i', pseudonyms: new SubjectPseudonyms(GOLDEN_SUBJECT_KEY) });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('Keycloak type, realm, grant or error %j finds no mapping by inheritance', (word) => {
    const kc = new KeycloakAdapter();
    const base = { id: 'x', time: 1718107200000, type: 'REFRESH_TOKEN_ERROR', realmId: 'acme', error: word, details: { grant_type: word } };
    expect(kc.map({ ...base, type: word }, ctx('keycloak'))).toMatchObject({ kind: 'parked', code: 'INGEST_UNKNOWN_TYPE' });
    expect(kc.map({ ...base, realmId: word }, ctx('keycloak'))).toMatchObject({ kind: 'parked', code: 'INGEST_REALM_NOT_CONFIGURED' });
    expect(kc.map(base, ctx('keycloak'))).toMatchObject({ kind: 'mapped', events: [{ value: { reason: 'REFRESH_INVALID', requested_grant: 'REFRESH_TOKEN' } }] });
  });

  it.each(['constructor', 'toString', '__proto__'])('Auth0 type %j is parked as unknown', (word) => {
    const input = { log_id: 'l1', data: { type: word, date: '2024-06-11T12:00:00Z', hostname: 'x.auth0.com' } };
    expect(new Auth0Adapter().map(input, ctx('auth0'))).toMatchObject({ kind: 'parked', code: 'INGEST_UNKNOWN_TYPE' });
  });

  it.each([null, 7, 'text', [], { data: [] }, { operationType: 'DELETE' }])('malformed input %j is parked, not thrown', (input) => {
    expect(new KeycloakAdapter().map(input, ctx('keycloak'))).toMatchObject({ kind: 'parked', code: 'INGEST_MALFORMED_SOURCE_EVENT' });
    expect(new Auth0Adapter().map(input, ctx('auth0'))).toMatchObject({ kind: 'parked', code: 'INGEST_MALFORMED_SOURCE_EVENT' });
  });
});
