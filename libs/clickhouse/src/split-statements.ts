/**
 * Splits a migration file into statements. A small scanner rather than a
 * split on ";": a semicolon, "--" or "{database}" inside a string literal or
 * a quoted identifier is data, not syntax. Comments are dropped and runs of
 * whitespace outside quotes collapse to one space, so editing a comment or
 * re-indenting an applied migration does not change its checksum.
 *
 * `database`, when given, replaces the `{database}` placeholder outside quotes
 * (pass it already quoted as an identifier).
 */
export function splitStatements(text: string, database?: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  const pushSpace = () => {
    if (current.length > 0 && !current.endsWith(' ')) current += ' ';
  };
  const finish = () => {
    const s = current.trim();
    if (s.length > 0) statements.push(s);
    current = '';
  };
  while (i < text.length) {
    const c = text[i];
    if (c === "'" || c === '"' || c === '`') {
      const end = endOfQuoted(text, i);
      current += text.slice(i, end);
      i = end;
    } else if (text.startsWith('--', i)) {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl;
      pushSpace();
    } else if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      if (close === -1) throw new SyntaxError(`unterminated /* comment at offset ${i}`);
      i = close + 2;
      pushSpace();
    } else if (c === ';') {
      finish();
      i += 1;
    } else if (/\s/.test(c)) {
      pushSpace();
      i += 1;
    } else if (database !== undefined && text.startsWith('{database}', i)) {
      current += database;
      i += '{database}'.length;
    } else {
      current += c;
      i += 1;
    }
  }
  finish();
  return statements;
}

// Index just past the closing quote. Inside quotes a backslash escapes the
// next character and a doubled quote stands for itself (ClickHouse accepts both).
function endOfQuoted(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === quote && text[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i += 1;
  }
  throw new SyntaxError(`unterminated ${quote} quote starting at offset ${start}`);
}
