// Open-loop load: event i is due at start + i / rate, whatever Kafka or the
// consumers do. Every TICK_MS the events due so far are handed to
// EventProducer.publish without waiting for acknowledgements, so a stall
// anywhere shows up as latency measured from the scheduled time instead of
// slowing the schedule down (no coordinated omission).
import { setTimeout as sleep } from 'node:timers/promises';
import { EventProducer } from '@tokenwarden/kafka';
import { MixedEvent, TrafficMix } from './traffic-mix';

const TICK_MS = 5;

/** performance.now() as wall-clock milliseconds (event_time). */
export const wallMs = (perfMs: number): number => Math.round(performance.timeOrigin + perfMs);

export interface LoadStats {
  /** Events handed to the producer. */
  handed: number;
  acked: number;
  publishErrors: number;
  /** Largest gap, in ms, between an event's scheduled time and its hand-over (the generator's own lateness). */
  maxHandOverLagMs: number;
}

export class LoadGenerator {
  readonly stats: LoadStats = { handed: 0, acked: 0, publishErrors: 0, maxHandOverLagMs: 0 };

  constructor(
    private readonly producer: EventProducer,
    private readonly topic: string,
    private readonly mix: TrafficMix,
  ) {}

  /**
   * Runs the schedule at `rate` events/s for `seconds` from `startAt`
   * (performance.now() ms); `onEvent` sees each event with its scheduled time.
   */
  async run(rate: number, seconds: number, startAt: number, onEvent: (e: MixedEvent, scheduledAt: number) => void): Promise<void> {
    const total = Math.round(rate * seconds);
    let i = 0;
    while (i < total) {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - startAt) / 1000) * rate));
      if (due > i) this.stats.maxHandOverLagMs = Math.max(this.stats.maxHandOverLagMs, now - (startAt + (i / rate) * 1000));
      for (; i < due; i += 1) {
        const scheduledAt = startAt + (i / rate) * 1000;
        const e = this.mix.next(wallMs(scheduledAt));
        this.stats.handed += 1;
        this.producer.publish({ topic: this.topic, key: e.key, value: e.value }).then(
          () => (this.stats.acked += 1),
          () => (this.stats.publishErrors += 1),
        );
        onEvent(e, scheduledAt);
      }
      await sleep(TICK_MS);
    }
  }
}
