/** Stable codes of the detector's own failures. */
export type DetectorErrorCode = 'ERR_DETECTOR_RULES_INVALID' | 'ERR_DETECTOR_RULES_UNREADABLE';

/**
 * The detector's error base: a stable `code`, `retriable`, and for rule files
 * every problem found (`rule "reissue-per-subject": windowSeconds must be ...`).
 */
export class DetectorError extends Error {
  constructor(
    readonly code: DetectorErrorCode,
    message: string,
    readonly retriable: boolean,
    readonly problems: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DetectorError';
  }
}
