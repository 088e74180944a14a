/**
 * Test-side readers of what the forwarder writes: a CEF parser and an RFC 5424
 * parser, written from the specifications rather than from our formatter, so
 * round trips prove the escaping. Not used by production code.
 */

export interface ParsedCef {
  readonly version: string;
  readonly vendor: string;
  readonly product: string;
  readonly deviceVersion: string;
  readonly signatureId: string;
  readonly name: string;
  readonly severity: string;
  readonly extension: Readonly<Record<string, string>>;
}

/** Parses `CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|Extension`; throws on anything malformed. */
export function parseCef(line: string): ParsedCef {
  if (!line.startsWith('CEF:')) throw new Error(`not CEF: ${JSON.stringify(line.slice(0, 40))}`);
  const fields: string[] = [];
  let current = '';
  let i = 4;
  for (; i < line.length && fields.length < 7; i++) {
    const c = line[i];
    if (c === '\\') {
      const next = line[i + 1];
      if (next !== '\\' && next !== '|') throw new Error(`bad header escape \\${next} at ${i}`);
      current += next;
      i++;
    } else if (c === '|') {
      fields.push(current);
      current = '';
    } else current += c;
  }
  if (fields.length < 7) throw new Error(`CEF header has ${fields.length} of 7 fields`);
  const [version, vendor, product, deviceVersion, signatureId, name, severity] = fields;
  return { version, vendor, product, deviceVersion, signatureId, name, severity, extension: parseExtension(line.slice(i)) };
}

function parseExtension(ext: string): Record<string, string> {
  const equals: number[] = [];
  for (let i = 0; i < ext.length; i++) {
    if (ext[i] === '\\') i++;
    else if (ext[i] === '=') equals.push(i);
  }
  const keys = equals.map((eq) => {
    let start = eq;
    while (start > 0 && /[A-Za-z0-9_]/.test(ext[start - 1])) start--;
    if (start === eq) throw new Error(`unescaped "=" without a key at ${eq}`);
    if (start > 0 && ext[start - 1] !== ' ') throw new Error(`unescaped "=" inside a value at ${eq}`);
    return { start, eq };
  });
  if (keys.length === 0 ? ext.length > 0 : keys[0].start !== 0) throw new Error('text before the first extension key');
  const out: Record<string, string> = {};
  keys.forEach((k, n) => {
    const name = ext.slice(k.start, k.eq);
    const end = n + 1 < keys.length ? keys[n + 1].start - 1 : ext.length;
    if (name in out) throw new Error(`duplicate extension key ${name}`);
    out[name] = unescapeValue(ext.slice(k.eq + 1, end));
  });
  return out;
}

function unescapeValue(raw: string): string {
  return raw.replace(/\\(.)/gs, (_, c: string) => {
    if (c === '\\' || c === '=') return c;
    if (c === 'n') return '\n';
    if (c === 'r') return '\r';
    throw new Error(`bad extension escape \\${c}`);
  });
}

export interface ParsedSyslog {
  readonly pri: number;
  readonly version: number;
  readonly timestamp: string;
  readonly hostname: string;
  readonly appName: string;
  readonly procId: string;
  readonly msgId: string;
  /** SD-ID → params (unescaped). */
  readonly structuredData: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly message: string;
}

/** Parses one RFC 5424 message (without framing). */
export function parseRfc5424(text: string): ParsedSyslog {
  const head = /^<(\d{1,3})>(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(text);
  if (!head) throw new Error(`not RFC 5424: ${JSON.stringify(text.slice(0, 60))}`);
  let i = head[0].length;
  const structuredData: Record<string, Record<string, string>> = {};
  if (text[i] === '-') i++;
  else {
    while (text[i] === '[') {
      const id = /^\[([^ =\]"]{1,32})/.exec(text.slice(i));
      if (!id) throw new Error(`bad SD-ID at ${i}`);
      i += id[0].length;
      const params: Record<string, string> = {};
      while (text[i] === ' ') {
        const name = /^ ([^ =\]"]{1,32})="/.exec(text.slice(i));
        if (!name) throw new Error(`bad SD-PARAM at ${i}`);
        i += name[0].length;
        let value = '';
        for (; text[i] !== '"'; i++) {
          if (i >= text.length) throw new Error('unterminated PARAM-VALUE');
          if (text[i] === '\\' && ['"', '\\', ']'].includes(text[i + 1])) i++;
          else if (text[i] === ']') throw new Error(`unescaped "]" in PARAM-VALUE at ${i}`);
          value += text[i];
        }
        i++;
        params[name[1]] = value;
      }
      if (text[i] !== ']') throw new Error(`SD-ELEMENT not closed at ${i}`);
      i++;
      structuredData[id[1]] = params;
    }
  }
  if (i < text.length && text[i] !== ' ') throw new Error(`no space before MSG at ${i}`);
  return {
    pri: Number(head[1]),
    version: Number(head[2]),
    timestamp: head[3],
    hostname: head[4],
    appName: head[5],
    procId: head[6],
    msgId: head[7],
    structuredData,
    message: text.slice(i + 1),
  };
}
