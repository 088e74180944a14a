/**
 * FAULTS.md oracle for SIEM delivery: every published Alert event reached the
 * receiver (after deduplication by its id), nothing unpublished did.
 * Duplicates are allowed (at-least-once; the SIEM deduplicates) and counted.
 */
export interface DeliveryVerdict {
  readonly missing: string[];
  readonly unexpected: string[];
  readonly raw: number;
  readonly distinct: number;
}

export function judgeDelivery(published: readonly string[], received: readonly string[]): DeliveryVerdict {
  const want = new Set(published);
  const got = new Set(received);
  return {
    missing: [...want].filter((id) => !got.has(id)).sort(),
    unexpected: [...got].filter((id) => !want.has(id)).sort(),
    raw: received.length,
    distinct: got.size,
  };
}

/** Reports a figure in the test output (raw vs distinct deliveries), without failing anything. */
export function report(line: string): void {
  process.stderr.write(`[siem] ${line}\n`);
}
