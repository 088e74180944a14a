import { Alert } from '@tokenwarden/events';
import { sampleEvent } from '../../../../libs/events/fixtures/samples';
import { parseCef, parseRfc5424 } from '../testing/cef-parser';
import { cefValueImage, HOSTILE_STRINGS } from '../testing/hostile-strings';
import { alertToSyslog } from './alert-syslog';
import { escapeSdParamValue, formatRfc5424, frameOctetCounted, headerField, isSdName, Rfc5424Message, syslogSeverity } from './syslog';

// eslint-disable-next-line no-control-regex
const RAW_BREAKS = /[\r\n\u0000]/;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f]/g;
const device = { vendor: 'Tokenwarden', product: 'Tokenwarden', version: '0.1.0' };
const options = { facility: 10, hostname: 'fwd-1', appName: 'tokenwarden', sdId: 'tokenwarden@32473', device };

function message(overrides: Partial<Rfc5424Message> = {}): Rfc5424Message {
  return {
    facility: 10,
    severity: 3,
    timestampMs: Date.UTC(2024, 10, 29, 13, 20, 0, 133),
    hostname: 'fwd-1',
    appName: 'tokenwarden',
    procId: '-',
    msgId: 'ALERT',
    structuredData: [],
    message: 'hello',
    ...overrides,
  };
}

describe('RFC 5424 formatting', () => {
  it('writes PRI, version, timestamp, header fields, SD and MSG', () => {
    expect(formatRfc5424(message({ structuredData: [{ id: 'x@32473', params: [['a', 'b']] }] }))).toBe(
      '<83>1 2024-11-29T13:20:00.133Z fwd-1 tokenwarden - ALERT [x@32473 a="b"] hello',
    );
    expect(formatRfc5424(message({ message: '' }))).toBe('<83>1 2024-11-29T13:20:00.133Z fwd-1 tokenwarden - ALERT -');
  });

  it('maps alert severities to syslog severities', () => {
    expect(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO', 'UNKNOWN'].map((s) => syslogSeverity(s as Alert['severity']))).toEqual([2, 3, 4, 5, 6, 4]);
  });

  it('sends NILVALUE for a time RFC 3339 cannot write', () => {
    for (const ms of [Number.NaN, 8.64e15 + 1, Date.UTC(10000, 0, 1), -62167219200001]) {
      expect(formatRfc5424(message({ timestampMs: ms })).split(' ')[1]).toBe('-');
    }
    expect(formatRfc5424(message({ timestampMs: 0 })).split(' ')[1]).toBe('1970-01-01T00:00:00.000Z');
  });

  it('keeps header fields to PRINTUSASCII and their length limits', () => {
    expect(headerField('a b\tc\u00e9', 255)).toBe('a_b_c_');
    expect(headerField('', 48)).toBe('-');
    expect(headerField('x'.repeat(100), 48)).toHaveLength(48);
    const line = formatRfc5424(message({ hostname: 'evil host\n<13>1', appName: 'a'.repeat(60), msgId: 'm'.repeat(40) }));
    expect(parseRfc5424(line)).toMatchObject({ hostname: 'evil_host_<13>1', appName: 'a'.repeat(48), msgId: 'm'.repeat(32), message: 'hello' });
  });

  it('escapes ", \\ and ] in PARAM-VALUE and refuses bad SD names', () => {
    expect(escapeSdParamValue('a"b\\c]d')).toBe('a\\"b\\\\c\\]d');
    expect(escapeSdParamValue('l1\nl2')).toBe('l1\ufffdl2');
    expect(isSdName('tokenwarden@32473')).toBe(true);
    for (const bad of ['', 'a b', 'a=b', 'a]', 'a"', 'x'.repeat(33), 'é']) expect(isSdName(bad)).toBe(false);
    expect(() => formatRfc5424(message({ structuredData: [{ id: 'bad id', params: [] }] }))).toThrow(RangeError);
    expect(() => formatRfc5424(message({ structuredData: [{ id: 'ok@1', params: [['a=b', 'x']] }] }))).toThrow(RangeError);
    expect(() => formatRfc5424(message({ facility: 24 }))).toThrow(RangeError);
  });

  it('frames by octet count in UTF-8 bytes', () => {
    expect(frameOctetCounted('abc').toString()).toBe('3 abc');
    expect(frameOctetCounted('é😀').toString()).toBe('6 é😀');
  });
});

describe('alertToSyslog', () => {
  it('carries the CEF line as MSG and the ids as structured data', () => {
    const alert = sampleEvent('Alert');
    const parsed = parseRfc5424(alertToSyslog(alert, options));
    expect(parsed).toMatchObject({ pri: 83, version: 1, timestamp: '2024-11-29T13:20:00.133Z', hostname: 'fwd-1', msgId: 'ALERT' });
    expect(parsed.structuredData['tokenwarden@32473']).toEqual({
      alert_id: alert.alert_id,
      event_id: alert.header.event_id,
      rule_id: alert.rule_id,
      status: 'OPEN',
    });
    expect(parseCef(parsed.message).extension.cs1).toBe(alert.alert_id);
  });

  it('sends no structured data when sdId is null', () => {
    expect(parseRfc5424(alertToSyslog(sampleEvent('Alert'), { ...options, sdId: null })).structuredData).toEqual({});
  });

  it.each(Object.entries(HOSTILE_STRINGS))('survives a hostile %s alert id, rule id and title', (_name, s) => {
    const alert = sampleEvent('Alert', { alert_id: s, rule_id: s, title: s });
    const text = alertToSyslog(alert, options);
    expect(text).not.toMatch(RAW_BREAKS);
    const parsed = parseRfc5424(text);
    // SD values carry controls as U+FFFD, like CEF values (except CR/LF, which CEF encodes).
    expect(parsed.structuredData['tokenwarden@32473'].alert_id).toBe(s.replace(CONTROLS, '\ufffd'));
    expect(parseCef(parsed.message).extension.cs1).toBe(cefValueImage(s));
  });
});
