/**
 * Numbers by four small integer keys, in one open-addressing table of typed arrays: the answer cache's lookup by
 * destination class, protocol and port, source port and source class, and the services' by protocol, address and
 * port. A million entries to twenty thousand destination classes looked their answers up in a Map per class (a
 * Map, its buckets and an array touched per entry, 13 MB live), and services by an endpoint number past the small
 * integers (a heap number hashed per lookup); here one probe reads one run of five numbers.
 */
const STRIDE = 5;
const EMPTY = -1;

export class KeyIndex {
  /** Per slot: the four keys, then the value (EMPTY for a free slot). */
  private cells: Int32Array;
  private mask: number;
  private size = 0;

  constructor(capacity = 1024) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.cells = new Int32Array(slots * STRIDE).fill(EMPTY);
    this.mask = slots - 1;
  }

  /** The value stored for the keys, or -1. Keys are integers from 0 to 2^31 − 1. */
  get(a: number, b: number, c: number, d: number): number {
    const cells = this.cells;
    for (let slot = hash(a, b, c, d) & this.mask; ; slot = (slot + 1) & this.mask) {
      const at = slot * STRIDE;
      const value = cells[at + 4]!;
      if (value === EMPTY) return EMPTY;
      if (cells[at] === a && cells[at + 1] === b && cells[at + 2] === c && cells[at + 3] === d) return value;
    }
  }

  /** Stores `value` (0 or more) for keys that have none yet. */
  add(a: number, b: number, c: number, d: number, value: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    this.place(this.cells, this.mask, a, b, c, d, value);
    this.size++;
  }

  private place(cells: Int32Array, mask: number, a: number, b: number, c: number, d: number, value: number): void {
    let slot = hash(a, b, c, d) & mask;
    while (cells[slot * STRIDE + 4] !== EMPTY) slot = (slot + 1) & mask;
    const at = slot * STRIDE;
    cells[at] = a;
    cells[at + 1] = b;
    cells[at + 2] = c;
    cells[at + 3] = d;
    cells[at + 4] = value;
  }

  private grow(): void {
    const old = this.cells;
    const slots = (this.mask + 1) * 2;
    const cells = new Int32Array(slots * STRIDE).fill(EMPTY);
    for (let at = 0; at < old.length; at += STRIDE) {
      const value = old[at + 4]!;
      if (value !== EMPTY) this.place(cells, slots - 1, old[at]!, old[at + 1]!, old[at + 2]!, old[at + 3]!, value);
    }
    this.cells = cells;
    this.mask = slots - 1;
  }
}

/** A mix of four integers whose low bits depend on all of them. */
function hash(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a, 0x9e3779b1);
  h = Math.imul(h ^ b ^ (h >>> 15), 0x85ebca77);
  h = Math.imul(h ^ c ^ (h >>> 13), 0xc2b2ae3d);
  h = Math.imul(h ^ d ^ (h >>> 16), 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}
