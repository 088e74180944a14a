import { Alert, decode, encode, TokenwardenEvent } from '@tokenwarden/events';
import { lookbacks } from '../detector-runtime';
import { denied, issued, keyActivated, revoked, subjectRef, validated } from '../testing/event-kit';
import { setup, T0 } from '../testing/engine-kit';

// The shipped config/detection-rules.json over config/policy.json
// (access 900 s, refresh 1 209 600 s, ES256 only, rotation 90 days).
const s = (seconds: number) => T0 + seconds * 1000;
const DAY = 86400;

function alertsOf(events: TokenwardenEvent[]): Alert[] {
  const k = setup();
  k.feed(...events);
  k.emit();
  return [...k.latest().values()];
}
const fired = (events: TokenwardenEvent[]) => alertsOf(events).map((a) => `${a.rule_id}:${a.group_key}:${a.count}`);
const times = (n: number, make: (i: number) => TokenwardenEvent) => Array.from({ length: n }, (_, i) => make(i));

describe('1. excessive reissues', () => {
  it('per subject: 20 issuances within 5 minutes', () => {
    expect(fired(times(20, (i) => issued({ t: s(i * 10), client: `c${i}` })))).toEqual([`reissue-per-subject:${subjectRef('alice')}:20`]);
  });
  it('per subject: not 19, nor 20 spread over more than the window', () => {
    expect(fired(times(19, (i) => issued({ t: s(i), client: `c${i}` })))).toEqual([]);
    expect(fired(times(20, (i) => issued({ t: s(i * 20), client: `c${i}` })))).toEqual([]);
  });
  it('per client: 500 issuances of one client across many subjects', () => {
    expect(fired(times(500, (i) => issued({ t: s(i / 2), subject: `s${i}`, client: 'scraper' })))).toEqual(['reissue-per-client:scraper:500']);
    expect(fired(times(499, (i) => issued({ t: s(i / 2), subject: `s${i}`, client: 'scraper' })))).toEqual([]);
  });
});

describe('2. revoked token used', () => {
  it('fires per jti on a REVOKED validation, and not on other outcomes', () => {
    expect(fired([validated({ t: s(1) }, { jti: 'j1', outcome: 'INVALID', reason: 'REVOKED' })])).toEqual(['revoked-token-use:j1:1']);
    expect(fired([validated({ t: s(1) }, { jti: 'j1', outcome: 'INVALID', reason: 'EXPIRED' })])).toEqual([]);
  });
});

describe('3. validation-failure bursts', () => {
  const failure = (i: number, f: { client?: string; ip?: string }) =>
    validated({ t: s(i / 10), subject: `s${i}`, ...f }, { jti: `j${i}`, outcome: 'INVALID', reason: 'SIGNATURE_INVALID' });
  it('by client: 50 failures in a minute', () => {
    expect(fired(times(50, (i) => failure(i, { client: 'app', ip: `10.0.${i}.1` })))).toEqual(['validation-failures-per-client:app:50']);
    expect(fired(times(49, (i) => failure(i, { client: 'app', ip: `10.0.${i}.1` })))).toEqual([]);
  });
  it('by ip: 30 failures in a minute', () => {
    expect(fired(times(30, (i) => failure(i, { client: `c${i}`, ip: '198.51.100.9' })))).toEqual(['validation-failures-per-ip:198.51.100.9:30']);
    expect(fired(times(29, (i) => failure(i, { client: `c${i}`, ip: '198.51.100.9' })))).toEqual([]);
  });
  it('valid checks do not count', () => {
    expect(fired(times(60, (i) => validated({ t: s(i / 10), ip: '198.51.100.9' }, { jti: `j${i}` })))).toEqual([]);
  });
});

describe('4. one token from many IPs', () => {
  it('fires at 5 distinct IPs for one jti within 10 minutes', () => {
    expect(fired(times(5, (i) => validated({ t: s(i * 60), ip: `192.0.2.${i}` }, { jti: 'shared' })))).toEqual(['token-many-ips:shared:5']);
  });
  it('not for 4 IPs, nor for the same IP many times', () => {
    expect(fired(times(4, (i) => validated({ t: s(i), ip: `192.0.2.${i}` }, { jti: 'shared' })))).toEqual([]);
    expect(fired(times(50, (i) => validated({ t: s(i), ip: '192.0.2.1' }, { jti: 'shared' })))).toEqual([]);
  });
});

describe('5. refresh-token reuse', () => {
  it('fires on a REFRESH_REUSE revocation, a REFRESH_REUSED validation or denial', () => {
    expect(fired([revoked({ t: s(1), subject: 'a' }, { reason: 'REFRESH_REUSE' })])).toEqual([`refresh-token-reuse:${subjectRef('a')}:1`]);
    expect(fired([validated({ t: s(1), subject: 'b' }, { outcome: 'INVALID', reason: 'REFRESH_REUSED' })]))
      .toEqual([`refresh-token-reuse:${subjectRef('b')}:1`]);
    expect(fired([denied({ t: s(1), subject: 'c' }, { reason: 'REFRESH_REUSED' })])).toEqual([`refresh-token-reuse:${subjectRef('c')}:1`]);
  });
  it('counts a family revocation as one incident', () => {
    expect(fired(times(4, (i) => revoked({ t: s(1) }, { jti: `r${i}`, reason: 'REFRESH_REUSE', cascade: i > 0 }))))
      .toEqual([`refresh-token-reuse:${subjectRef('alice')}:4`]);
  });
  it('not on other revocations', () => {
    expect(fired([revoked({ t: s(1) }, { reason: 'LOGOUT' }), denied({ t: s(1) }, { reason: 'REFRESH_EXPIRED' })])).toEqual([]);
  });
});

describe('6. issuance beyond the lifetime policy', () => {
  it('fires per client when a token outlives the policy for its kind', () => {
    expect(fired([issued({ t: s(1), client: 'x' }, { token_kind: 'ACCESS', lifetime_seconds: 3600 })])).toEqual(['lifetime-beyond-policy:x:1']);
    expect(fired([issued({ t: s(1), client: 'y' }, { token_kind: 'REFRESH', lifetime_seconds: 30 * DAY })])).toEqual(['lifetime-beyond-policy:y:1']);
  });
  it('not within the policy', () => {
    expect(fired([issued({ t: s(1) }, { token_kind: 'ACCESS', lifetime_seconds: 900 }),
      issued({ t: s(2) }, { token_kind: 'REFRESH', lifetime_seconds: 14 * DAY })])).toEqual([]);
  });
});

describe('7. forbidden or weak algorithm presented', () => {
  it.each(['ALG_NONE', 'ALG_NOT_ALLOWED', 'KEY_ALG_MISMATCH'] as const)('fires per ip on %s', (reason) => {
    expect(fired([validated({ t: s(1), ip: '198.51.100.7' }, { outcome: 'INVALID', reason, alg: 'none' })]))
      .toEqual(['weak-alg-presented:198.51.100.7:1']);
  });
  it('fires on an algorithm outside the policy whatever check failed first', () => {
    expect(fired([validated({ t: s(1), ip: '198.51.100.7' }, { outcome: 'INVALID', reason: 'KEY_UNKNOWN', alg: 'HS256' })]))
      .toEqual(['weak-alg-presented:198.51.100.7:1']);
  });
  it('not for the allowed algorithm', () => {
    expect(fired([validated({ t: s(1) }, { outcome: 'INVALID', reason: 'EXPIRED', alg: 'ES256' })])).toEqual([]);
  });
});

describe('8. signing key past the rotation period', () => {
  const act = keyActivated('k-old', s(0));
  it('fires per kid for an issuance more than 90 days (+ clock tolerance) after activation', () => {
    expect(fired([act, issued({ t: s(91 * DAY) }, { kid: 'k-old' })])).toEqual(['signing-key-past-rotation:k-old:1']);
  });
  it('not within the period, nor for a key never seen activated', () => {
    expect(fired([act, issued({ t: s(89 * DAY) }, { kid: 'k-old' }), issued({ t: s(91 * DAY) }, { kid: 'k-unknown' })])).toEqual([]);
  });
  it('uses the earliest activation whatever the order read', () => {
    const later = keyActivated('k-old', s(50 * DAY));
    expect(fired([later, act, issued({ t: s(91 * DAY) }, { kid: 'k-old' })])).toEqual(['signing-key-past-rotation:k-old:1']);
  });
});

describe('alerts', () => {
  it('are valid Alert events (the codec encodes and decodes them unchanged)', () => {
    const all = alertsOf([
      ...times(20, (i) => issued({ t: s(i), client: `c${i}` })),
      validated({ t: s(1), ip: '198.51.100.7' }, { outcome: 'INVALID', reason: 'ALG_NONE' }),
      ...times(5, (i) => validated({ t: s(i), ip: `192.0.2.${i}` }, { jti: 'shared' })),
    ]);
    expect(all).toHaveLength(3);
    for (const a of all) expect(decode(encode('Alert', a)).value).toEqual(a);
  });

  it('state reaches back one window (+ sub-bucket, lateness) for windows and window + cool-down for incidents', () => {
    const k = setup();
    expect(lookbacks({ allowedLatenessSeconds: 60, rules: k.engine.states.map((st) => st.rule) })).toEqual({
      windowsMs: (3600 + 300 + 60) * 1000, // signing-key-past-rotation: 1 h window, 5 min sub-buckets
      incidentsMs: (3600 + 86400 + 300 + 60) * 1000,
    });
  });

  it('set subject_ref, client_id or ip in the header only when the rule groups by it', () => {
    const [bySubject] = alertsOf(times(20, (i) => issued({ t: s(i), client: `c${i}` })));
    expect(bySubject.header).toMatchObject({ subject_ref: subjectRef('alice'), client_id: null, ip: null });
    const [byIp] = alertsOf([validated({ t: s(1), ip: '198.51.100.7' }, { outcome: 'INVALID', reason: 'ALG_NONE' })]);
    expect(byIp.header).toMatchObject({ subject_ref: null, client_id: null, ip: '198.51.100.7' });
    expect(byIp).toMatchObject({ severity: 'HIGH', mitre_techniques: ['T1606'], rule_version: 1, title: 'Token with a forbidden or weak algorithm presented' });
  });
});
