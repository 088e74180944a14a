import { ClickHouseError } from './clickhouse-error';
import { HOSTILE_STRINGS } from './hostile-strings.fixture';
import { sql } from './sql';

// Reads a literal produced by sql.string back into bytes, following
// ClickHouse's unescaping rules, to prove the escaping is reversible.
function unescapeLiteral(literal: string): Buffer {
  expect(literal.startsWith("'") && literal.endsWith("'")).toBe(true);
  const body = Buffer.from(literal.slice(1, -1), 'utf8');
  const out: number[] = [];
  for (let i = 0; i < body.length; i += 1) {
    if (body[i] !== 0x5c) {
      expect(body[i]).not.toBe(0x27); // an unescaped quote would end the literal
      out.push(body[i]);
    } else if (body[i + 1] === 0x78) {
      out.push(parseInt(body.subarray(i + 2, i + 4).toString('latin1'), 16));
      i += 3;
    } else {
      out.push(body[i + 1]);
      i += 1;
    }
  }
  return Buffer.from(out);
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof ClickHouseError ? err.code : 'not a ClickHouseError';
  }
  return undefined;
};

describe('sql.string', () => {
  it.each(Object.entries(HOSTILE_STRINGS))('round-trips %s and leaves no control byte raw', (_name, value) => {
    const literal = sql.string(value);
    expect(unescapeLiteral(literal).toString('hex')).toBe(Buffer.from(value, 'utf8').toString('hex'));
    expect(literal).not.toMatch(/[\u0000-\u001f\u007f]/); // eslint-disable-line no-control-regex
  });

  it('uses the escapes ClickHouse documents', () => {
    expect(sql.string("it's \\ done\n\u0000")).toBe("'it\\'s \\\\ done\\x0a\\x00'");
  });

  it('refuses lone surrogates instead of letting Node replace them with U+FFFD', () => {
    expect(codeOf(() => sql.string('a\ud800b'))).toBe('ERR_CLICKHOUSE_VALUE');
    expect(codeOf(() => sql.string('\udc00'))).toBe('ERR_CLICKHOUSE_VALUE');
    expect(codeOf(() => sql.string('\udc00\ud800'))).toBe('ERR_CLICKHOUSE_VALUE');
    expect(sql.string('\ud83d\ude00')).toBe("'😀'");
  });

  it('writes arbitrary bytes, including invalid UTF-8, as ASCII', () => {
    const bytes = Uint8Array.from([0xff, 0xfe, 0x00, 0x27, 0x5c, 0x41, 0xc3]);
    const literal = sql.string(bytes);
    expect(literal).toBe("'\\xff\\xfe\\x00\\'\\\\A\\xc3'");
    expect(unescapeLiteral(literal).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('sql.identifier', () => {
  it('backquotes a name and a database.name', () => {
    expect(sql.identifier('token_events')).toBe('`token_events`');
    expect(sql.identifier('tw_1.token_events')).toBe('`tw_1`.`token_events`');
  });

  it.each(['', '1abc', 'a b', 'a`b', 'a.b.c', 'a.', '.a', 'tab\tle', 'é', 'x'.repeat(256), "a'--"])(
    'refuses %j',
    (name) => expect(codeOf(() => sql.identifier(name))).toBe('ERR_CLICKHOUSE_VALUE'),
  );
});

describe('sql.number', () => {
  it('renders integers, floats and bigints', () => {
    expect(sql.number(42)).toBe('42');
    expect(sql.number(0.5)).toBe('0.5');
    expect(sql.number(-0)).toBe('0');
    expect(sql.number(18446744073709551615n)).toBe('18446744073709551615');
  });

  it('puts a space before a minus so "a-" + n never reads as a -- comment', () => {
    expect(`a-${sql.number(-1)}`).toBe('a- -1');
    expect(sql.number(-5n)).toBe(' -5');
  });

  it.each([NaN, Infinity, -Infinity])('refuses %p', (n) => expect(codeOf(() => sql.number(n))).toBe('ERR_CLICKHOUSE_VALUE'));
});

describe('sql.dateTime', () => {
  it('renders epoch seconds in UTC, truncating milliseconds', () => {
    expect(sql.dateTime(1_700_000_000_999)).toBe("toDateTime(1700000000, 'UTC')");
    expect(sql.dateTime(new Date('2024-02-29T23:59:59.500Z'))).toBe("toDateTime(1709251199, 'UTC')");
    expect(sql.dateTime(0)).toBe("toDateTime(0, 'UTC')");
  });

  it.each([-1000, 2 ** 32 * 1000, NaN, Infinity])('refuses %p ms, outside DateTime', (ms) =>
    expect(codeOf(() => sql.dateTime(ms))).toBe('ERR_CLICKHOUSE_VALUE'),
  );

  it('refuses an invalid Date', () => expect(codeOf(() => sql.dateTime(new Date('nope')))).toBe('ERR_CLICKHOUSE_VALUE'));
});

describe('sql.array and sql.value', () => {
  it('renders nested arrays of mixed values', () => {
    expect(sql.array(['a', "b'", 1, null, true, [2n]])).toBe("['a', 'b\\'', 1, NULL, 1, [2]]");
    expect(sql.array([])).toBe('[]');
  });

  it('escapes every element', () => {
    expect(codeOf(() => sql.array(['ok', '\ud800']))).toBe('ERR_CLICKHOUSE_VALUE');
  });

  it('maps values by their JavaScript type', () => {
    expect(sql.value(undefined)).toBe('NULL');
    expect(sql.value(false)).toBe('0');
    expect(sql.value(new Date(1000))).toBe("toDateTime(1, 'UTC')");
    expect(sql.value('x')).toBe("'x'");
  });
});
