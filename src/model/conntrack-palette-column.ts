/**
 * A block's column of unsigned 32-bit numbers that mostly repeat a few values, kept in a byte a row: 0 when a
 * row's value is its reference (the value of another of its columns, or none: -1), else the code of one of the
 * block's first 254 other values; a row with any further value is marked 255 and kept in 4 bytes beside. Rows of
 * a busy table have a few dozen meta words, a reply destination that is the original source or the node's
 * address, and a few target ports: a byte each instead of 4, 3 and 2. A column whose rows are all their
 * reference takes nothing.
 */
const WIDE = 255;
const SLOTS = 512;
/** Knuth's multiplicative hash constant. */
const GOLDEN = 0x9e3779b1;

export class PaletteColumn {
  private codes: Uint8Array | undefined;
  /** The value of each code from 1. */
  private readonly values = new Uint32Array(WIDE);
  private count = 0;
  /** An open-addressing hash from value to code: 0 for an empty slot. */
  private slots: Uint8Array | undefined;
  /** Rows marked WIDE, by row. */
  private wide: Uint32Array | undefined;

  constructor(private readonly size: number) {}

  /** `value` is an unsigned 32-bit number; `reference` the row's reference value, or -1 for none. */
  set(at: number, value: number, reference: number): void {
    if (value === reference) {
      if (this.codes) this.codes[at] = 0;
      return;
    }
    const codes = (this.codes ??= new Uint8Array(this.size));
    const slots = (this.slots ??= new Uint8Array(SLOTS));
    let s = Math.imul(value, GOLDEN) >>> 23;
    for (let code = slots[s]!; code !== 0; code = slots[s]!) {
      if (this.values[code] === value) {
        codes[at] = code;
        return;
      }
      s = (s + 1) & (SLOTS - 1);
    }
    if (this.count < WIDE - 1) {
      const code = ++this.count;
      this.values[code] = value;
      slots[s] = code;
      codes[at] = code;
      return;
    }
    codes[at] = WIDE;
    (this.wide ??= new Uint32Array(this.size))[at] = value;
  }

  /** The row's value; `reference` as it was given to set. */
  get(at: number, reference: number): number {
    const code = this.codes ? this.codes[at]! : 0;
    return code === 0 ? reference : code === WIDE ? this.wide![at]! : this.values[code]!;
  }
}
