import { SubjectPseudonymizer } from '@tokenwarden/jwt';
import { AdminGate } from './admin-gate';

const TOKEN = 'YWRtaW4tdG9rZW4tZm9yLXRlc3RzLW9ubHktMDEyMzQ1Njc4OWFiY2RlZg';
const pseudonyms = new SubjectPseudonymizer(Buffer.alloc(32, 3));

describe('AdminGate', () => {
  const gate = new AdminGate(Buffer.from(TOKEN, 'base64url'), pseudonyms);
  it('accepts the configured token; names the operator by a pseudonym', () => {
    expect(gate.authorize(`Bearer ${TOKEN}`, 'dpo-1')).toMatch(/^admin:[0-9a-f]{16}$/);
    expect(gate.authorize(`Bearer ${TOKEN}`, 'dpo-1')).not.toBe(gate.authorize(`Bearer ${TOKEN}`, 'dpo-2'));
    expect(gate.authorize(`Bearer ${TOKEN}`, 'bad operator\n')).toBe(gate.authorize(`Bearer ${TOKEN}`, undefined));
  });
  it.each([undefined, '', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, 'Bearer ../etc', `Bearer  ${TOKEN}`])('%j → 401 invalid_token', (h) => {
    expect(() => gate.authorize(h, undefined)).toThrow(expect.objectContaining({ status: 401, error: 'invalid_token' }));
  });
  it('without a configured token every call is refused', () => {
    expect(() => new AdminGate(undefined, pseudonyms).authorize(`Bearer ${TOKEN}`, undefined)).toThrow(expect.objectContaining({ status: 401 }));
  });
});
