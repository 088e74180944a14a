/** Stable error codes of the projector. */
export type ProjectorErrorCode =
  /** A decodable event breaks a rule the analyst model relies on: dead-letter it. */
  | 'ERR_PROJECTOR_FIELD_RULE'
  /** A record beyond the configured size: dead-letter it unread. */
  | 'ERR_PROJECTOR_TOO_LARGE'
  /** ClickHouse lacks a table or column the projector writes: a deployment problem, so wait, never dead-letter. */
  | 'ERR_PROJECTOR_SCHEMA_MISSING';

const RETRIABLE: Record<ProjectorErrorCode, boolean> = {
  ERR_PROJECTOR_FIELD_RULE: false,
  ERR_PROJECTOR_TOO_LARGE: false,
  ERR_PROJECTOR_SCHEMA_MISSING: true,
};

export class ProjectorError extends Error {
  readonly retriable: boolean;

  constructor(
    readonly code: ProjectorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProjectorError';
    this.retriable = RETRIABLE[code];
  }
}
