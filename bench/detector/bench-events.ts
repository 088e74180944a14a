// Event generation shared by the detector benchmarks (not production code).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TokenwardenEvent } from '@tokenwarden/events';
import { sampleEvent } from '../../libs/events/fixtures/samples';

const issuedBase = sampleEvent('TokenIssued');
const validatedBase = sampleEvent('TokenValidated');

/** A lowercase uuid (version 4 layout) from a counter, cheap enough for millions. */
export function counterUuid(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

export const subjectRefOf = (n: number): string => createHash('sha256').update(`bench-subject-${n}`).digest('hex');

/** TokenIssued for subject `subject` (a ref) at `timeMs`. */
export function issuedEvent(i: number, subject: string, timeMs: number, client = `client-${i % 50}`): TokenwardenEvent {
  return {
    type: 'TokenIssued',
    value: { ...issuedBase, jti: `jti-${i}`, header: { ...issuedBase.header, event_id: counterUuid(i), event_time: timeMs, subject_ref: subject, client_id: client, ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` } },
  };
}

export function validatedEvent(i: number, subject: string, timeMs: number, client = `client-${i % 50}`): TokenwardenEvent {
  return {
    type: 'TokenValidated',
    value: { ...validatedBase, jti: `jti-${i - 1}`, header: { ...validatedBase.header, event_id: counterUuid(i), event_time: timeMs, subject_ref: subject, client_id: client, ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` } },
  };
}

export const round = (n: number, digits = 0): number => Number(n.toFixed(digits));

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Writes `report` as bench/out/<name>-<at>.json and returns the path. */
export function writeReport(name: string, report: { at: string }): string {
  const outDir = join(__dirname, '..', 'out');
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `${name}-${report.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  return out;
}
