import type { KeyLifecycle } from '@tokenwarden/events';

/**
 * When each signing key started signing (the event_time of its ACTIVATED
 * KeyLifecycle event), read from the key-events topic. Keys are few (one per
 * rotation), but the map is still capped: the oldest activations go first.
 */
export class KeyRegistry {
  private readonly activatedAt = new Map<string, number>();

  constructor(private readonly maxKeys = 10_000) {}

  observe(e: KeyLifecycle): void {
    if (e.phase !== 'ACTIVATED') return;
    const known = this.activatedAt.get(e.kid);
    // The earliest activation wins, so the order in which events are read does not matter.
    if (known !== undefined && known <= e.header.event_time) return;
    this.activatedAt.set(e.kid, e.header.event_time);
    if (this.activatedAt.size > this.maxKeys) {
      let oldest: [string, number] | undefined;
      for (const entry of this.activatedAt) if (!oldest || entry[1] < oldest[1]) oldest = entry;
      this.activatedAt.delete(oldest![0]);
    }
  }

  activatedAtMs(kid: string): number | undefined {
    return this.activatedAt.get(kid);
  }

  get size(): number {
    return this.activatedAt.size;
  }
}
