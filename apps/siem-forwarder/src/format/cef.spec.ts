import { Alert } from '@tokenwarden/events';
import { sampleEvent } from '../../../../libs/events/fixtures/samples';
import { parseCef } from '../testing/cef-parser';
import { cefHeaderImage, cefValueImage, HOSTILE_STRINGS } from '../testing/hostile-strings';
import { alertToCef, cefExtension, cefLine, cefSeverity, escapeCefHeader, escapeCefValue } from './cef';

// eslint-disable-next-line no-control-regex
const RAW_BREAKS = /[\r\n\u0000]/;
const device = { vendor: 'Tokenwarden', product: 'Tokenwarden', version: '0.1.0' };

function setup(overrides: Partial<Alert> = {}, header: Partial<Alert['header']> = {}) {
  const base = sampleEvent('Alert');
  const alert: Alert = { ...base, ...overrides, header: { ...base.header, ...header } };
  const line = alertToCef(alert, device);
  return { alert, line, parsed: parseCef(line) };
}

describe('CEF escaping', () => {
  it('escapes backslash and pipe in header fields, and blanks line breaks there', () => {
    expect(escapeCefHeader('a|b\\c')).toBe('a\\|b\\\\c');
    expect(escapeCefHeader('line1\nline2\r')).toBe('line1 line2 ');
    expect(escapeCefHeader('a=b')).toBe('a=b'); // = needs no escape in the header
  });

  it('escapes backslash, equals and line breaks in extension values, not pipes', () => {
    expect(escapeCefValue('a=b\\c|d')).toBe('a\\=b\\\\c|d');
    expect(escapeCefValue('l1\r\nl2')).toBe('l1\\r\\nl2');
    expect(escapeCefValue('nul\u0000del\u007f')).toBe('nul\ufffddel\ufffd');
  });

  it('refuses an extension key that is not a CEF key (keys are code, not data)', () => {
    expect(() => cefExtension([['bad key', 'x']])).toThrow(RangeError);
    expect(() => cefExtension([['cs1=x', 'x']])).toThrow(RangeError);
    expect(() => cefExtension([['', 'x']])).toThrow(RangeError);
    expect(cefExtension([['cs1', 'a b'], ['cnt', '1']])).toBe('cs1=a b cnt=1');
  });

  it('maps severities to 0-10, and the reader fallback to Unknown', () => {
    expect(['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'UNKNOWN'].map((s) => cefSeverity(s as Alert['severity']))).toEqual([
      '1', '3', '5', '8', '10', 'Unknown',
    ]);
  });
});

describe('alertToCef', () => {
  it('renders the sample alert exactly', () => {
    const { line } = setup();
    expect(line).toBe(
      'CEF:0|Tokenwarden|Tokenwarden|0.1.0|refresh-token-reuse|Refresh token reused|8|' +
        'rt=1732886400133 start=1732886390000 end=1732886400123 cnt=2 externalId=0f6a7c1e-2b4d-4c8e-9a1f-000000000010 ' +
        'cs1Label=alertId cs1=b1c7e0a4d7f3e2a19c0d5e6f7a8b9c0d ' +
        'cs2Label=groupKey cs2=a3f1c9d2e4b5a6978812cdef00112233445566778899aabbccddeeff00112233 ' +
        'cs3Label=mitreTechniques cs3=T1550.001,T1528 ' +
        'cs4Label=evidenceEventIds cs4=0f6a7c1e-2b4d-4c8e-9a1f-000000000001,0f6a7c1e-2b4d-4c8e-9a1f-000000000004 ' +
        'cs5Label=alertStatus cs5=OPEN cs6Label=tenantId cs6=default cn1Label=threshold cn1=1 cn2Label=ruleVersion cn2=1 ' +
        'deviceCustomDate1Label=windowStart deviceCustomDate1=1732886100000 ' +
        'deviceCustomDate2Label=windowEnd deviceCustomDate2=1732886400000 dvchost=detector-0 ' +
        'suid=a3f1c9d2e4b5a6978812cdef00112233445566778899aabbccddeeff00112233 flexString1Label=clientId flexString1=billing-web',
    );
  });

  it('parses back to the alert fields', () => {
    const { alert, parsed } = setup({}, { ip: '2001:db8::1' });
    expect(parsed).toMatchObject({ version: '0', vendor: 'Tokenwarden', signatureId: alert.rule_id, name: alert.title, severity: '8' });
    expect(parsed.extension).toMatchObject({
      cs1: alert.alert_id,
      externalId: alert.header.event_id,
      cnt: String(alert.count),
      cs3: alert.mitre_techniques.join(','),
      src: '2001:db8::1',
    });
  });

  it('puts an ip that is not an address into a labelled string, not src', () => {
    const { parsed } = setup({}, { ip: 'not-an-ip' });
    expect(parsed.extension.src).toBeUndefined();
    expect(parsed.extension).toMatchObject({ flexString2Label: 'sourceAddress', flexString2: 'not-an-ip' });
  });

  it('omits absent header fields', () => {
    const { parsed } = setup({}, { subject_ref: null, client_id: null, ip: null });
    expect(parsed.extension.suid).toBeUndefined();
    expect(parsed.extension.flexString1).toBeUndefined();
    expect(parsed.extension.src).toBeUndefined();
  });

  it.each(Object.entries(HOSTILE_STRINGS))('keeps a hostile %s string in its field and out of the others', (_name, s) => {
    const { line, parsed } = setup({ title: s, rule_id: s, group_key: s, alert_id: `id-${s}` }, { client_id: s, tenant_id: s });
    expect(line).not.toMatch(RAW_BREAKS);
    expect(parsed.name).toBe(cefHeaderImage(s));
    expect(parsed.signatureId).toBe(cefHeaderImage(s));
    expect(parsed.severity).toBe('8');
    expect(parsed.extension.cs1).toBe(cefValueImage(`id-${s}`));
    expect(parsed.extension.cs2).toBe(cefValueImage(s));
    expect(parsed.extension.flexString1).toBe(cefValueImage(s));
    expect(parsed.extension.cs6).toBe(cefValueImage(s));
    expect(parsed.extension.cnt).toBe('2'); // no injected key won
  });

  it('keeps the header at seven fields whatever the title holds', () => {
    const line = cefLine(device, 'r|1', 'a|b\\|c', '5', []);
    expect(parseCef(line)).toMatchObject({ signatureId: 'r|1', name: 'a|b\\|c', severity: '5', extension: {} });
  });
});
