/**
 * Strings that break naive escaping, shared by the unit specs and the
 * round-trip integration tests (which prove the server stores them byte for byte).
 */
export const HOSTILE_STRINGS: Readonly<Record<string, string>> = Object.freeze({
  empty: '',
  singleQuote: "'",
  quotedBreakout: "x'); DROP TABLE t; --",
  doubledQuote: "''",
  backslash: '\\',
  backslashQuote: "\\'",
  trailingBackslash: 'abc\\',
  escapeLookalikes: '\\n \\t \\0 \\x41 \\u0041 \\\\',
  nul: 'a\u0000b',
  onlyNul: '\u0000',
  newlines: 'line1\nline2\r\nline3\r',
  controls: Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '\u007f',
  tabs: '\tcol\tcol\t',
  doubleQuoteBacktick: '"`"`',
  sqlComment: '-- not a comment /* nor this */ #',
  placeholder: '{database} {x:String} ? $1 :name',
  semicolonNewline: 'a;\nb;',
  latin: 'café naïve ß',
  cjk: '漢字かなカナ한국어',
  rtl: 'مرحبا שלום \u202e',
  emoji: '😀👩‍👩‍👧‍👦🏳️‍🌈',
  astral: '𝒳𐍈\u{10ffff}',
  zeroWidth: '\u200b\u200d\ufeff',
  lineSeparators: '\u2028\u2029\u0085',
  replacementChar: '\ufffd',
  c1Controls: '\u0080\u009f',
  longMixed: "'\\\u0000\n".repeat(1000),
});
