import { Alert } from '@tokenwarden/events';
import { SiemErrorCode } from '../siem-error';

/** What happened to one alert in one delivery round. */
export type DeliveryOutcome =
  | { readonly kind: 'delivered' }
  /** Not attempted: the round stopped before it (deadline, or an earlier failure showed the sink is down). */
  | { readonly kind: 'skipped' }
  | {
      readonly kind: 'failed';
      readonly code: SiemErrorCode;
      readonly message: string;
      /** False: the sink refused this alert for good (e.g. HTTP 422). */
      readonly retriable: boolean;
      /** What the sink asked for (Retry-After), in ms. */
      readonly retryAfterMs?: number;
    };

/**
 * A SIEM endpoint. `deliver` never throws for endpoint trouble: it reports
 * one outcome per alert, in order. `deadlineMs` (epoch ms) is when the round
 * must end, so a consumer batch never outlives the group session.
 */
export interface Sink {
  readonly name: string;
  deliver(alerts: readonly Alert[], deadlineMs: number): Promise<DeliveryOutcome[]>;
  close(): Promise<void>;
}

export const DELIVERED: DeliveryOutcome = Object.freeze({ kind: 'delivered' });
export const SKIPPED: DeliveryOutcome = Object.freeze({ kind: 'skipped' });

/** Maps a socket-level failure to our codes. */
export function networkFailure(err: unknown, what: string): DeliveryOutcome {
  const e = err as { code?: unknown; message?: unknown };
  const detail = typeof e.code === 'string' ? `${e.code} ${String(e.message ?? '')}` : String(e.message ?? err);
  const timeout = e.code === 'ETIMEDOUT' || e.code === 'ERR_SIEM_SINK_TIMEOUT';
  return {
    kind: 'failed',
    code: timeout ? 'ERR_SIEM_SINK_TIMEOUT' : 'ERR_SIEM_SINK_UNREACHABLE',
    message: `${what}: ${detail}`.slice(0, 300),
    retriable: true,
  };
}
