/**
 * Counters as -v prints them (xtables_print_num): exact with -x, else above 99999 rounded to thousands with
 * K, M, G or T. A rounded counter is read as its nominal value: zero stays exactly zero, which is all the
 * zero-counter lint needs.
 */
const UNIT: Readonly<Record<string, bigint>> = { K: 1000n, M: 1000_000n, G: 1000_000_000n, T: 1000_000_000_000n };

export function counterValue(text: string): { readonly value: bigint; readonly rounded: boolean } {
  const unit = UNIT[text.at(-1)!];
  return unit ? { value: BigInt(text.slice(0, -1)) * unit, rounded: true } : { value: BigInt(text), rounded: false };
}
