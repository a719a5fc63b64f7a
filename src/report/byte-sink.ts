/**
 * JSON text written as UTF-8 bytes into buffers handed out when full: a report of a million entries writes its
 * pieces without making a string per value, part or entry (what made `stale --json`'s garbage and a quarter of
 * its time).
 */

/** Handed out once this full: small enough for the young generation, large enough for few writes to stdout. */
const PIECE = 1 << 16;
/** Text up to this long is copied by hand when it is ASCII. */
const SHORT = 64;

/** Characters JSON.stringify writes otherwise than as themselves (quotes, backslashes, controls, lone surrogates). */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** The string is written by JSON.stringify as itself between quotes. */
export const plainInJson = (s: string): boolean => !ESCAPED.test(s);

/** Plain typed arrays and the web's encoder, not Node's Buffer: the paste page writes reports with this too. */
const encoder = new TextEncoder();

/** Text as UTF-8 bytes. */
export const utf8 = (s: string): Uint8Array => encoder.encode(s);

export class ByteSink {
  private buffer = new Uint8Array(PIECE * 2);
  private at = 0;

  /** Enough room for `bytes` more. */
  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.at + bytes));
    grown.set(this.buffer.subarray(0, this.at));
    this.buffer = grown;
  }

  /** Text as UTF-8, as it is: the caller knows it needs no escaping inside a JSON string (or is JSON already). */
  text(s: string): void {
    this.room(s.length * 3);
    if (s.length > SHORT || !this.ascii(s)) this.at += encoder.encodeInto(s, this.buffer.subarray(this.at)).written;
  }

  /** Short ASCII text copied by hand: cheaper than a call into the encoder for an address or a port. */
  private ascii(s: string): boolean {
    const b = this.buffer;
    const start = this.at;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      b[start + i] = c;
    }
    this.at = start + s.length;
    return true;
  }

  /** Bytes encoded once (keys, quoted values that repeat). */
  bytes(b: Uint8Array): void {
    this.room(b.length);
    if (b.length > SHORT) {
      this.buffer.set(b, this.at);
      this.at += b.length;
      return;
    }
    // A short run copied by hand: TypedArray#set costs more than the copy itself for a few bytes.
    const out = this.buffer;
    let at = this.at;
    for (let i = 0; i < b.length; i++) out[at++] = b[i]!;
    this.at = at;
  }

  /** A string as JSON (quoted, escaped where JSON.stringify escapes). */
  quoted(s: string): void {
    if (plainInJson(s)) {
      this.room(s.length * 3 + 2);
      this.buffer[this.at++] = 0x22;
      this.text(s);
      this.buffer[this.at++] = 0x22;
    } else this.text(JSON.stringify(s));
  }

  /** A non-negative integer in decimal, without making its string. */
  integer(n: number): void {
    if (n < 0 || !Number.isSafeInteger(n)) {
      this.text(String(n));
      return;
    }
    let digits = 1;
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    this.room(digits);
    let at = this.at + digits;
    this.at = at;
    let rest = n;
    do {
      this.buffer[--at] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    } while (rest > 0);
  }

  /** Full enough to be handed out. */
  get full(): boolean {
    return this.at >= PIECE;
  }

  get empty(): boolean {
    return this.at === 0;
  }

  /** What was written since the last piece; the sink starts a new buffer (the piece may still be being written out). */
  take(): Uint8Array {
    const piece = this.buffer.subarray(0, this.at);
    this.buffer = new Uint8Array(PIECE * 2);
    this.at = 0;
    return piece;
  }
}
