/** Stable error codes of the SIEM forwarder. */
export type SiemErrorCode =
  /** A record on the alerts topic that is not an Alert event (or has no value): dead-letter it. */
  | 'ERR_SIEM_NOT_AN_ALERT'
  /** Some sink does not have every alert of the batch yet: the runner pauses the partition and comes back. */
  | 'ERR_SIEM_DELIVERY_PENDING'
  /** A sink kept failing past its retry bound (attempts or time): the alert is parked on dead-letters. */
  | 'ERR_SIEM_DELIVERY_EXHAUSTED'
  /** A sink refused the alert itself (HTTP 400, 413, 422): retrying cannot help, park it. */
  | 'ERR_SIEM_DELIVERY_REJECTED'
  /** The sink could not be reached (refused, DNS, TLS handshake, reset). */
  | 'ERR_SIEM_SINK_UNREACHABLE'
  /** The sink did not answer in time. */
  | 'ERR_SIEM_SINK_TIMEOUT'
  /** The sink answered with a status that asks for a retry (408, 425, 429, 5xx, or an auth/config status). */
  | 'ERR_SIEM_SINK_STATUS';

const RETRIABLE: Record<SiemErrorCode, boolean> = {
  ERR_SIEM_NOT_AN_ALERT: false,
  ERR_SIEM_DELIVERY_PENDING: true,
  ERR_SIEM_DELIVERY_EXHAUSTED: false,
  ERR_SIEM_DELIVERY_REJECTED: false,
  ERR_SIEM_SINK_UNREACHABLE: true,
  ERR_SIEM_SINK_TIMEOUT: true,
  ERR_SIEM_SINK_STATUS: true,
};

/** The one error base of the forwarder: a stable `code`, and whether retrying can help (read by ConsumerRunner). */
export class SiemError extends Error {
  readonly retriable: boolean;

  constructor(
    readonly code: SiemErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SiemError';
    this.retriable = RETRIABLE[code];
  }
}
