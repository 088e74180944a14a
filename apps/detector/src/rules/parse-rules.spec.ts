import { readFileSync } from 'node:fs';
import { DetectorError } from '../detector-error';
import { RULES_FILE } from '../testing/engine-kit';
import { loadRuleFile, parseRuleSet } from './parse-rules';

const good = () => JSON.parse(readFileSync(RULES_FILE, 'utf8')) as { rules: Array<Record<string, unknown>> };

function problemsOf(mutate: (doc: ReturnType<typeof good>) => void): string[] {
  const doc = good();
  mutate(doc);
  try {
    parseRuleSet(doc);
  } catch (err) {
    expect(err).toBeInstanceOf(DetectorError);
    expect((err as DetectorError).code).toBe('ERR_DETECTOR_RULES_INVALID');
    expect((err as DetectorError).retriable).toBe(false);
    return [...(err as DetectorError).problems];
  }
  throw new Error('expected the rules to be refused');
}

describe('rules file', () => {
  it('loads the shipped rules: the eight required detections', () => {
    const set = loadRuleFile(RULES_FILE);
    expect(set.allowedLatenessSeconds).toBe(60);
    expect(set.rules.map((r) => r.id)).toEqual([
      'reissue-per-subject', 'reissue-per-client', 'revoked-token-use', 'validation-failures-per-client',
      'validation-failures-per-ip', 'token-many-ips', 'refresh-token-reuse', 'lifetime-beyond-policy',
      'weak-alg-presented', 'signing-key-past-rotation',
    ]);
    expect(Object.isFrozen(set.rules[0])).toBe(true);
    for (const r of set.rules) expect(r.mitre.length).toBeGreaterThan(0);
  });

  it('names the rule and the field of every problem at once', () => {
    const problems = problemsOf((d) => {
      d.rules[0].windowSeconds = '5m';
      d.rules[1].severity = 'SEVERE';
      d.rules[2].mitre = ['credential theft'];
    });
    expect(problems).toEqual([
      expect.stringMatching(/^rule "reissue-per-subject"\.windowSeconds must be an integer/),
      expect.stringMatching(/^rule "reissue-per-client"\.severity must be one of INFO, LOW, MEDIUM, HIGH, CRITICAL, got "SEVERE"/),
      expect.stringMatching(/^rule "revoked-token-use"\.mitre\[0\] must be an ATT&CK technique id/),
    ]);
  });

  it.each([
    ['an unknown field', (r: Record<string, unknown>) => (r.windw = 5), /rule "reissue-per-subject"\.windw is not a known field/],
    ['a match field the event lacks', (r: Record<string, unknown>) => (r.match = [{ type: 'TokenIssued', where: { reason: ['OK'] } }]),
      /match\[0\]\.where\.reason: TokenIssued has no field "reason"/],
    ['an enum value the schema lacks', (r: Record<string, unknown>) => (r.match = [{ type: 'TokenValidated', where: { reason: ['REVOKD'] } }]),
      /where\.reason: "REVOKD" is not a symbol of OK, ALG_NONE/],
    ['an unknown event type', (r: Record<string, unknown>) => (r.match = [{ type: 'TokenMinted' }]), /match\[0\]\.type must be one of/],
    ['a check on the wrong type', (r: Record<string, unknown>) => (r.match = [{ type: 'TokenRevoked', check: 'lifetime_exceeds_policy' }]),
      /check "lifetime_exceeds_policy" cannot judge TokenRevoked/],
    ['a group key some matched type lacks', (r: Record<string, unknown>) => (r.groupBy = 'validator'),
      /rule "reissue-per-subject"\.groupBy: TokenIssued has no field "validator"/],
    ['a cool-down shorter than the window', (r: Record<string, unknown>) => (r.cooldownSeconds = 10), /cooldownSeconds must be an integer from 300/],
    ['sub-buckets that do not divide the window', (r: Record<string, unknown>) => (r.subBuckets = 7000), /subBuckets/],
    ['no MITRE technique', (r: Record<string, unknown>) => delete r.mitre, /mitre is required/],
    ['a distinct field on a threshold rule', (r: Record<string, unknown>) => (r.distinctField = 'ip'), /distinctField is only for kind "distinct"/],
  ])('refuses %s', (_what, mutate, message) => {
    expect(problemsOf((d) => mutate(d.rules[0])).join('\n')).toMatch(message);
  });

  it('refuses duplicate ids and a missing rule list', () => {
    expect(problemsOf((d) => (d.rules[1].id = 'reissue-per-subject'))).toContain('rule "reissue-per-subject" (rules[1]): id duplicates an earlier rule');
    expect(problemsOf((d) => (d.rules = []))).toEqual([expect.stringMatching(/^rules must be a non-empty list/)]);
  });

  it('skips disabled rules', () => {
    const doc = good();
    doc.rules[0].enabled = false;
    expect(parseRuleSet(doc).rules.map((r) => r.id)).not.toContain('reissue-per-subject');
  });

  it('reports an unreadable file with its path', () => {
    expect(() => loadRuleFile('/nonexistent/rules.json')).toThrow(expect.objectContaining({ code: 'ERR_DETECTOR_RULES_UNREADABLE' }));
  });
});
