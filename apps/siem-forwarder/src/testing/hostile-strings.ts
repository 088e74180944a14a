/**
 * Strings that break naive CEF, syslog, JSON or header handling: used as
 * titles, group keys, client ids and ids in specs and integration tests.
 */
export const HOSTILE_STRINGS: Readonly<Record<string, string>> = Object.freeze({
  empty: '',
  pipes: '|a|b||',
  equals: 'a=b == =',
  backslashes: '\\ \\\\ trailing\\',
  escapeLookalikes: '\\n \\r \\= \\| \\\\n',
  cefInjection: 'x cs1=forged-alert-id cnt=999',
  headerInjection: 'title|10|rt=0',
  newlines: 'line1\nline2\r\nline3\r',
  syslogInjection: '\n<13>1 2020-01-01T00:00:00Z evil app - - - forged',
  sdBreakout: '"] [evil@1 a="b"] x',
  controls: Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '\u007f',
  nul: 'a\u0000b',
  tabs: '\tcol\tcol\t',
  quotes: `"'\`"`,
  json: '{"class_uid":1,"x":[1,2]}</script>',
  latin: 'café naïve ß',
  cjk: '漢字かなカナ한국어',
  rtl: 'مرحبا שלום \u202e',
  emoji: '😀👩‍👩‍👧‍👦🏳️‍🌈',
  astral: '𝒳𐍈\u{10ffff}',
  zeroWidthBom: '\u200b\u200d\ufeff',
  lineSeparators: '\u2028\u2029\u0085',
  c1Controls: '\u0080\u009f',
  spaces: '  leading and trailing  ',
  long: 'x|=\\\n'.repeat(2000),
});

// eslint-disable-next-line no-control-regex
const C0_BUT_TAB = /[\u0000-\u0008\u000a-\u001f\u007f]/g;
// eslint-disable-next-line no-control-regex
const C0_BUT_TAB_CR_LF = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** What a CEF header field carries of `s`: line breaks and other controls become spaces (the header cannot encode them). */
export const cefHeaderImage = (s: string): string => s.replace(C0_BUT_TAB, ' ');

/** What a CEF extension value carries of `s`: CR and LF round-trip; other controls become U+FFFD. */
export const cefValueImage = (s: string): string => s.replace(C0_BUT_TAB_CR_LF, '\ufffd');
