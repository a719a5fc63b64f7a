/**
 * A block's column of unsigned numbers kept in 3 bytes each (a 16-bit and an 8-bit array) until one needs more,
 * then in 4: a table's address indices stay below 2^24 unless it has 16 million distinct addresses, and timeouts
 * unless one is set beyond 194 days.
 */
const MAX = 0xffffff;

export class Uint24Column {
  private low: Uint16Array | undefined;
  private high: Uint8Array | undefined;
  private wide: Uint32Array | undefined;

  constructor(private readonly size: number) {
    this.low = new Uint16Array(size);
    this.high = new Uint8Array(size);
  }

  /** `value` is an unsigned 32-bit number. */
  set(at: number, value: number): void {
    if (this.low) {
      if (value <= MAX) {
        this.low[at] = value;
        this.high![at] = value >>> 16;
        return;
      }
      const wide = new Uint32Array(this.size);
      for (let r = 0; r < this.size; r++) wide[r] = this.low[r]! | (this.high![r]! << 16);
      this.wide = wide;
      this.low = this.high = undefined;
    }
    this.wide![at] = value;
  }

  get(at: number): number {
    return this.low ? this.low[at]! | (this.high![at]! << 16) : this.wide![at]!;
  }
}
