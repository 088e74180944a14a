/**
 * The bytes of an encoded body in chunks that each end on a row boundary, so
 * a body is sent as it was written, with no second copy. Writers append at
 * `used` after `reserve(n)`; a row is kept by `endRow()` or dropped whole by
 * `dropRow()`, also after a full buffer moved its first bytes to the next one.
 */
export class RowSink {
  buf = Buffer.alloc(0);
  used = 0;
  /** Where the row being written starts in `buf` (it moves when a buffer fills). */
  private rowStart = 0;
  private readonly sealed: Buffer[] = [];

  /** Room for `n` more bytes; a new buffer takes the row written so far, and the old one ends on the last full row. */
  reserve(n: number): void {
    if (this.used + n <= this.buf.length) return;
    const partial = this.used - this.rowStart;
    const size = Math.max(partial + n, Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, this.buf.length * 2)));
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.rowStart, this.used);
    if (this.rowStart > 0) this.sealed.push(this.buf.subarray(0, this.rowStart));
    this.buf = next;
    this.used = partial;
    this.rowStart = 0;
  }

  endRow(): void {
    this.rowStart = this.used;
  }

  dropRow(): void {
    this.used = this.rowStart;
  }

  /** Every full row so far, in order; the sink starts a fresh buffer. */
  chunks(): readonly Buffer[] {
    if (this.rowStart > 0) this.sealed.push(this.buf.subarray(0, this.rowStart));
    this.buf = Buffer.alloc(0);
    this.used = this.rowStart = 0;
    return this.sealed;
  }
}

const MIN_CHUNK_BYTES = 16 * 1024;
const MAX_CHUNK_BYTES = 1024 * 1024;
