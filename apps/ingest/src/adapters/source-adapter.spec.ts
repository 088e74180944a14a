import { redactSourceEvent } from './redact';
import { contentId, derivedEventId, SubjectPseudonyms, uuidV5 } from './source-adapter';

const DNS_NAMESPACE = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex');
const pseudonyms = new SubjectPseudonyms(Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex'));

describe('deterministic ids', () => {
  it('computes RFC 4122 v5 uuids (Python uuid5 vector)', () => {
    expect(uuidV5('www.example.com', DNS_NAMESPACE)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('derives the same event id from the same source event, and different ids per role and scope', () => {
    const id = derivedEventId('auth0', 'acme', 'log-1', 'issued');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedEventId('auth0', 'acme', 'log-1', 'issued')).toBe(id);
    expect(derivedEventId('auth0', 'acme', 'log-1', 'denied')).not.toBe(id);
    expect(derivedEventId('auth0', 'globex', 'log-1', 'issued')).not.toBe(id);
  });

  it('content ids ignore key order', () => {
    expect(contentId({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(contentId({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(contentId({ a: 1 })).not.toBe(contentId({ a: 2 }));
  });
});

describe('SubjectPseudonyms', () => {
  it('is HMAC-SHA256 hex and refuses short keys', () => {
    expect(pseudonyms.subjectRef('user-1')).toMatch(/^[0-9a-f]{64}$/);
    expect(pseudonyms.subjectRef('user-1')).toBe(pseudonyms.subjectRef('user-1'));
    expect(() => new SubjectPseudonyms(Buffer.alloc(31, 1))).toThrow(RangeError);
  });
});

describe('redactSourceEvent', () => {
  it('pseudonymizes user ids, drops personal and secret fields, masks e-mails and JWTs, keeps the rest', () => {
    const out = redactSourceEvent(
      {
        type: 'UPDATE_PASSWORD', userId: 'u-1', ipAddress: '203.0.113.7', resourcePath: 'users/u-1/credentials',
        details: { username: 'jane', email: 'jane@example.com', note: 'mail jane@example.com', token: 'x', leaked: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig' },
        data: { user_id: 'auth0|1', user_name: 'jane', description: 'ok' },
      },
      pseudonyms,
    );
    expect(out).toEqual({
      type: 'UPDATE_PASSWORD', userId: `hmac:${pseudonyms.subjectRef('u-1')}`, ipAddress: '203.0.113.7', resourcePath: `users/hmac:${pseudonyms.subjectRef('u-1')}/credentials`,
      details: { username: '[redacted]', email: '[redacted]', note: 'mail [email]', token: '[redacted]', leaked: '[jwt]' },
      data: { user_id: `hmac:${pseudonyms.subjectRef('auth0|1')}`, user_name: '[redacted]', description: 'ok' },
    });
  });
});
