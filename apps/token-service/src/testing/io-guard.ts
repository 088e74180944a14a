// Test-only: proves that validating hostile tokens triggers no network or file access.
// Plain wrappers instead of jest.spyOn, so this file also compiles in the production build.
// Default imports yield the real module objects; `import * as` would give frozen namespace copies.
import dns from 'node:dns';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export interface IoGuard {
  /** Every call seen, as `name(firstArgument)`; empty when nothing touched the network or disk. */
  calls(): string[];
  restore(): void;
}

type Fn = (...args: unknown[]) => unknown;

/**
 * Wraps (call-through) every way a header value could reach the network or the
 * disk. Note: jest's own `toThrow` reads source files, so assert throws outside the guard.
 */
export function guardIo(): IoGuard {
  const targets: [Record<string, unknown>, string][] = [
    [globalThis as never, 'fetch'], [http as never, 'request'], [http as never, 'get'], [https as never, 'request'],
    [https as never, 'get'], [net as never, 'connect'], [net as never, 'createConnection'], [dns as never, 'lookup'],
    [fs as never, 'readFile'], [fs as never, 'readFileSync'], [fs as never, 'open'], [fs as never, 'openSync'],
    [fs.promises as never, 'readFile'], [fs.promises as never, 'open'],
  ];
  const seen: string[] = [];
  const originals = targets.map(([obj, name]) => {
    const original = obj[name] as Fn;
    obj[name] = function (this: unknown, ...args: unknown[]) {
      seen.push(`${name}(${String(args[0]).slice(0, 80)})`);
      return original.apply(this, args);
    };
    return () => (obj[name] = original);
  });
  return { calls: () => [...seen], restore: () => originals.forEach((undo) => undo()) };
}
