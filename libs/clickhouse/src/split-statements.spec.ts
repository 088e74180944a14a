import { splitStatements } from './split-statements';

describe('splitStatements', () => {
  it('splits on semicolons, drops comments and collapses whitespace', () => {
    const text = `-- heading; with a semicolon
CREATE TABLE {database}.a
(
    x String  -- trailing; comment
) ENGINE = Memory;
/* block; comment */
SELECT 1;;
`;
    expect(splitStatements(text)).toEqual(['CREATE TABLE {database}.a ( x String ) ENGINE = Memory', 'SELECT 1']);
  });

  it('keeps semicolons, comment markers and placeholders inside quotes', () => {
    const text = "SELECT 'a;\n-- b /* c */ {database}', `we;ird`, \"q;\" FROM {database}.t; SELECT 'it''s', 'x\\';y'";
    expect(splitStatements(text, '`db`')).toEqual([
      "SELECT 'a;\n-- b /* c */ {database}', `we;ird`, \"q;\" FROM `db`.t",
      "SELECT 'it''s', 'x\\';y'",
    ]);
  });

  it('gives the same statements whatever the comments and indentation', () => {
    const a = 'CREATE TABLE t (x String) ENGINE = Memory;';
    const b = '-- why this table exists\nCREATE TABLE t\n  (x String) -- the only column\n  ENGINE = Memory;\n\n';
    expect(splitStatements(b)).toEqual(splitStatements(a));
  });

  it('returns nothing for a file of comments', () => {
    expect(splitStatements('-- nothing here\n/* at all */\n')).toEqual([]);
  });

  it.each(["SELECT 'open", 'SELECT `open', 'SELECT 1 /* open'])('refuses unterminated %j', (text) => {
    expect(() => splitStatements(text)).toThrow(SyntaxError);
  });
});
