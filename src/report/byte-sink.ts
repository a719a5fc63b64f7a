/**
 * JSON text written as UTF-8 bytes into large buffers handed out when full: a report of a million entries writes
 * its pieces without making a string per value, part or entry. Writers take the buffer and their position as
 * locals (`put`, `putUint` return the position after what they wrote) and ask for room once per entry: a call
 * per value that checked room and read and wrote the sink's fields was most of `stale --json`'s writing time.
 */

/** The size of a piece: a few thousand writes to stdout for a million entries, little zeroed memory wasted. */
const PIECE = 1 << 18;
/**
 * Runs up to this long are copied by hand: TypedArray#set costs about as much as copying a dozen bytes one by
 * one (15 ns against 1.2 ns a byte, Node 20), whatever its length.
 */
const SHORT = 12;

/** Characters JSON.stringify writes otherwise than as themselves (quotes, backslashes, controls, lone surrogates). */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** The string is written by JSON.stringify as itself between quotes. */
export const plainInJson = (s: string): boolean => !ESCAPED.test(s);

/** Plain typed arrays and the web's encoder, not Node's Buffer: the paste page writes reports with this too. */
const encoder = new TextEncoder();

/** Text as UTF-8 bytes. */
export const utf8 = (s: string): Uint8Array => encoder.encode(s);

/** Copies `run` to `out` at `at`; the position after it. The caller made room. */
export function put(out: Uint8Array, at: number, run: Uint8Array): number {
  const n = run.length;
  if (n > SHORT) {
    out.set(run, at);
    return at + n;
  }
  for (let i = 0; i < n; i++) out[at + i] = run[i]!;
  return at + n;
}

/** Copies `n` bytes of `from` starting at `start`; the position after them. */
export function putSlice(out: Uint8Array, at: number, from: Uint8Array, start: number, n: number): number {
  for (let i = 0; i < n; i++) out[at + i] = from[start + i]!;
  return at + n;
}

/** The number of decimal digits of a non-negative safe integer. */
function digitsOf(n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  return digits;
}

/** A non-negative safe integer in decimal, as JSON.stringify writes it, without making its string. */
export function putUint(out: Uint8Array, at: number, n: number): number {
  if (n > 0x7fffffff) {
    const end = at + digitsOf(n);
    for (let p = end, rest = n; p > at; rest = Math.floor(rest / 10)) out[--p] = 0x30 + (rest % 10);
    return end;
  }
  // Ports and lines: 31-bit integers, divided with `| 0`.
  const end = at + (n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : digitsOf(n));
  let p = end;
  let rest = n;
  do {
    const q = (rest / 10) | 0;
    out[--p] = 0x30 + rest - q * 10;
    rest = q;
  } while (rest > 0);
  return end;
}

/** The most bytes `putUint` writes. */
export const UINT_BYTES = 16;

/**
 * Buffers whose pieces have been written, to be filled again. A report of a million entries is thousands of pieces:
 * a new buffer for each left the C allocator's heap fragmented by their frees, some 40 MB resident beyond what was
 * in use at the end of `stale --json` on a million stale entries.
 */
export class PieceBuffers {
  private readonly free: Uint8Array[] = [];

  /** A buffer of at least `bytes`: a written one when there is one. */
  take(bytes: number): Uint8Array {
    const last = this.free.pop();
    return last && last.length >= bytes ? last : new Uint8Array(bytes);
  }

  /** A piece a sink handed out, now written: its buffer may be filled again. */
  written(piece: Uint8Array): void {
    if (piece.byteOffset === 0 && piece.buffer.byteLength >= PIECE) this.free.push(new Uint8Array(piece.buffer));
  }
}

export class ByteSink {
  /** Writers write here from `at` on, after asking for `room`. */
  buffer: Uint8Array;
  at = 0;
  /** Full buffers' bytes, waiting to be handed out. */
  private readonly pieces: Uint8Array[] = [];

  /** With `buffers`, the sink fills buffers whose pieces were written (PieceBuffers.written) instead of new ones. */
  constructor(private readonly buffers?: PieceBuffers) {
    this.buffer = this.fresh(PIECE);
  }

  private fresh(bytes: number): Uint8Array {
    return this.buffers ? this.buffers.take(bytes) : new Uint8Array(bytes);
  }

  /**
   * Room for `bytes` more in `buffer`: another buffer when this one is too full. The full one is kept to be
   * handed out; it is filled again only once given back as written.
   */
  room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    if (this.at > 0) this.pieces.push(this.buffer.subarray(0, this.at));
    this.buffer = this.fresh(Math.max(PIECE, bytes));
    this.at = 0;
  }

  /** Text as UTF-8, as it is: the caller knows it is JSON already. */
  text(s: string): void {
    this.room(s.length * 3);
    this.at += encoder.encodeInto(s, this.buffer.subarray(this.at)).written;
  }

  /** Full buffers are waiting to be handed out. */
  get full(): boolean {
    return this.pieces.length > 0;
  }

  /** The full buffers' bytes; with `all`, the bytes of the one being written too. */
  *handOut(all = false): Generator<Uint8Array> {
    yield* this.pieces.splice(0);
    if (all && this.at > 0) {
      yield this.buffer.subarray(0, this.at);
      this.buffer = new Uint8Array(0);
      this.at = 0;
    }
  }
}
