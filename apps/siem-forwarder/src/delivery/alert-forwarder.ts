import { Alert, DecodedEvent, EventCodecError } from '@tokenwarden/events';
import { BatchOutcome, ConsumedRecord, Rejection } from '@tokenwarden/kafka';
import { SiemError, SiemErrorCode } from '../siem-error';
import { Sink } from '../sinks/sink';
import { nextGate, retriesExhausted, RetryPolicy, SinkGate } from './retry-policy';

/** What the forwarder reports; the metrics adapter implements it. */
export interface DeliveryObserver {
  delivered(sink: string, alerts: number): void;
  /** A round failed for `alerts` alerts; the sink is retried after `delayMs`. */
  failed(sink: string, code: string, alerts: number, delayMs: number): void;
  /** An alert gave up on a sink and will be dead-lettered. */
  parked(sink: string, code: string): void;
  /** A record that is not a deliverable alert. */
  rejected(code: string): void;
}

export interface ForwarderSink {
  readonly sink: Sink;
  readonly retry: RetryPolicy;
}

export interface AlertForwarderOptions {
  readonly sinks: readonly ForwarderSink[];
  readonly decode: (bytes: Buffer) => DecodedEvent;
  readonly now: () => number;
  /** Longest one handler call may deliver for: keep it well below the group session timeout. */
  readonly roundBudgetMs: number;
  readonly random?: () => number;
  readonly observer?: DeliveryObserver;
}

interface SinkProgress {
  delivered: boolean;
  attempts: number;
  firstFailureMs?: number;
  lastError?: string;
  parked?: { code: SiemErrorCode; reason: string };
}

interface Entry {
  readonly record: ConsumedRecord;
  readonly alert: Alert;
  readonly progress: Map<string, SinkProgress>;
}

/**
 * The handler ConsumerRunner calls with one partition's batch of the alerts
 * topic. It returns only when every alert of the batch is on every sink, or
 * parked: a sink that kept failing past its retry bound, or refused the
 * alert for good, leaves the alert to the dead-letter topic (the runner
 * publishes the rejections with their reason before it resolves the offset).
 * While some sink still lacks an alert it throws a retriable error, so the
 * runner pauses the partition and calls again with the same records; what
 * each sink already has is remembered per offset, so a recovered sink gets
 * only what it missed. State lives only between those calls: after a
 * restart a sink may receive an alert again (alert_id and event_id let it
 * deduplicate), but never misses one.
 */
export class AlertForwarder {
  private readonly entries = new Map<string, Map<bigint, Entry>>();
  private readonly gates = new Map<string, SinkGate>();

  constructor(private readonly options: AlertForwarderOptions) {
    const names = options.sinks.map((s) => s.sink.name);
    if (names.length === 0) throw new RangeError('at least one sink is required');
    if (new Set(names).size !== names.length) throw new RangeError(`sink names must be unique: ${names.join(', ')}`);
  }

  /** Bound to ConsumerRunner: `new ConsumerRunner(conn, dlq, forwarder.handle, ...)`. */
  readonly handle = async (records: ConsumedRecord[]): Promise<BatchOutcome> => {
    const deadlineMs = this.options.now() + this.options.roundBudgetMs;
    const rejected: Rejection[] = [];
    const entries: Entry[] = [];
    for (const record of records) {
      const entry = this.entryFor(record);
      if ('code' in entry) {
        rejected.push({ record, code: entry.code, message: entry.message });
        this.options.observer?.rejected(entry.code);
      } else entries.push(entry);
    }
    await Promise.all(this.options.sinks.map((s) => this.round(s, entries, deadlineMs)));
    this.parkExhausted(entries);

    const waiting = entries.filter((e) => [...e.progress.values()].some((p) => !p.delivered && !p.parked));
    if (waiting.length > 0) {
      const sinks = this.options.sinks.filter((s) => waiting.some((e) => !this.done(e, s.sink.name))).map((s) => s.sink.name);
      throw new SiemError('ERR_SIEM_DELIVERY_PENDING', `${waiting.length} of ${entries.length} alert(s) wait for sink(s) ${sinks.join(', ')}`);
    }
    for (const e of entries) {
      const parked = [...e.progress.entries()].filter(([, p]) => p.parked);
      if (parked.length > 0) rejected.push({ record: e.record, ...this.parkReason(e, parked) });
    }
    this.forget(records);
    return { rejected };
  };

  /** Alerts remembered between calls (bounded by the batches in hand). */
  get remembered(): number {
    let n = 0;
    for (const m of this.entries.values()) n += m.size;
    return n;
  }

  async close(): Promise<void> {
    await Promise.all(this.options.sinks.map((s) => s.sink.close()));
  }

  private entryFor(record: ConsumedRecord): Entry | { code: string; message: string } {
    const partition = this.partitionEntries(record);
    const offset = BigInt(record.offset);
    const known = partition.get(offset);
    if (known) return known;
    const alert = this.decodeAlert(record);
    if ('code' in alert) return alert;
    const progress = new Map(this.options.sinks.map((s) => [s.sink.name, { delivered: false, attempts: 0 } as SinkProgress]));
    const entry: Entry = { record, alert, progress };
    partition.set(offset, entry);
    return entry;
  }

  private decodeAlert(record: ConsumedRecord): Alert | { code: string; message: string } {
    if (record.value === null) return { code: 'ERR_SIEM_NOT_AN_ALERT', message: 'record without a value' };
    let event: DecodedEvent;
    try {
      event = this.options.decode(record.value);
    } catch (err) {
      if (err instanceof EventCodecError) return { code: err.code, message: err.message };
      throw err;
    }
    if (event.type !== 'Alert') return { code: 'ERR_SIEM_NOT_AN_ALERT', message: `a ${event.type} event on the alerts topic` };
    if (event.value.alert_id.length === 0) return { code: 'ERR_SIEM_NOT_AN_ALERT', message: 'alert without an alert_id' };
    return event.value;
  }

  /** One delivery round of one sink: what it lacks, unless it is still backing off. */
  private async round(s: ForwarderSink, entries: readonly Entry[], deadlineMs: number): Promise<void> {
    const name = s.sink.name;
    const todo = entries.filter((e) => !this.done(e, name));
    if (todo.length === 0) return;
    const gate = this.gates.get(name);
    if (gate && this.options.now() < gate.notBeforeMs) return;

    const outcomes = await s.sink.deliver(todo.map((e) => e.alert), deadlineMs);
    const now = this.options.now();
    let delivered = 0;
    let failure: { code: string; message: string; retryAfterMs?: number } | undefined;
    todo.forEach((e, i) => {
      const o = outcomes[i];
      const p = e.progress.get(name) as SinkProgress;
      if (o.kind === 'delivered') {
        p.delivered = true;
        delivered += 1;
      } else if (o.kind === 'failed' && !o.retriable) {
        p.attempts += 1;
        p.parked = { code: 'ERR_SIEM_DELIVERY_REJECTED', reason: o.message };
        this.options.observer?.parked(name, p.parked.code);
      } else if (o.kind === 'failed') {
        const asked = o.retryAfterMs === undefined ? failure?.retryAfterMs : Math.max(failure?.retryAfterMs ?? 0, o.retryAfterMs);
        failure = { code: o.code, message: o.message, retryAfterMs: asked };
      }
    });
    if (delivered > 0) this.options.observer?.delivered(name, delivered);
    if (failure === undefined) {
      if (delivered > 0) this.gates.delete(name);
      return;
    }
    // The round failed: it counts as an attempt for every alert it left behind (also those it
    // did not get to, since the sink is down), and the sink backs off.
    const behind = todo.filter((e) => !this.done(e, name));
    for (const e of behind) {
      const p = e.progress.get(name) as SinkProgress;
      p.attempts += 1;
      p.firstFailureMs ??= now;
      p.lastError = `${failure.code}: ${failure.message}`;
    }
    const next = nextGate(gate, s.retry, now, failure.retryAfterMs, this.options.random ?? Math.random);
    this.gates.set(name, next);
    this.options.observer?.failed(name, failure.code, behind.length, next.notBeforeMs - now);
  }

  private parkExhausted(entries: readonly Entry[]): void {
    const now = this.options.now();
    for (const s of this.options.sinks) {
      for (const e of entries) {
        const p = e.progress.get(s.sink.name) as SinkProgress;
        if (p.delivered || p.parked || !retriesExhausted(s.retry, p.attempts, p.firstFailureMs, now)) continue;
        const since = p.firstFailureMs === undefined ? 0 : Math.round((now - p.firstFailureMs) / 1000);
        p.parked = { code: 'ERR_SIEM_DELIVERY_EXHAUSTED', reason: `${p.attempts} failed attempt(s) over ${since} s, last: ${p.lastError ?? 'none'}` };
        this.options.observer?.parked(s.sink.name, p.parked.code);
      }
    }
  }

  private parkReason(e: Entry, parked: Array<[string, SinkProgress]>): { code: string; message: string } {
    const delivered = [...e.progress.entries()].filter(([, p]) => p.delivered).map(([n]) => n);
    const why = parked.map(([name, p]) => `sink ${name}: ${p.parked?.reason}`).join('; ');
    const code = parked.some(([, p]) => p.parked?.code === 'ERR_SIEM_DELIVERY_REJECTED') ? 'ERR_SIEM_DELIVERY_REJECTED' : 'ERR_SIEM_DELIVERY_EXHAUSTED';
    return { code, message: `alert ${e.alert.alert_id} not delivered to ${why} (delivered to: ${delivered.join(', ') || 'none'})` };
  }

  private done(e: Entry, sink: string): boolean {
    const p = e.progress.get(sink) as SinkProgress;
    return p.delivered || p.parked !== undefined;
  }

  private partitionEntries(record: ConsumedRecord): Map<bigint, Entry> {
    const key = `${record.topic}/${record.partition}`;
    let m = this.entries.get(key);
    if (!m) this.entries.set(key, (m = new Map()));
    return m;
  }

  /** Drops what this batch settled, and anything older on its partition (committed by an earlier owner). */
  private forget(records: readonly ConsumedRecord[]): void {
    if (records.length === 0) return;
    const m = this.partitionEntries(records[0]);
    const last = BigInt(records[records.length - 1].offset);
    for (const offset of m.keys()) if (offset <= last) m.delete(offset);
  }
}
