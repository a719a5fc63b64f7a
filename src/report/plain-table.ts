/** A borderless, left-aligned text table (cli-table3 without its box), for reports that go into terminals and tickets alike. */
import Table from 'cli-table3';

const NO_BORDER = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** Cells may hold several lines; trailing blanks are trimmed so the output diffs cleanly. */
export function plainTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return asciiTable(head, rows) ?? referenceTable(head, rows);
}

/** cli-table3's rendering. Its layout pass is quadratic in rows: 10,000 services took 37 s in it, the run 6 s. */
export function referenceTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const table = new Table({
    head: [...head],
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  table.push(...rows.map((r) => [...r]));
  return table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}

/** Printable ASCII and line breaks: one column per character, no escapes, as cli-table3 measures them too. */
const ASCII = /^[\x20-\x7e\n]*$/;

/**
 * The same text as referenceTable, in one pass, for tables whose cells are all printable ASCII and whose rows
 * are as wide as the head; undefined for any other table, which cli-table3 then lays out (wide characters, escapes).
 */
function asciiTable(head: readonly string[], rows: readonly (readonly string[])[]): string | undefined {
  const columns = head.length;
  if (columns === 0) return undefined;
  // cli-table3 gives every column at least one character, an empty one too.
  const widths = new Array<number>(columns).fill(1);
  const split: string[][][] = [];
  for (const row of [head, ...rows]) {
    if (row.length !== columns) return undefined;
    const cells: string[][] = [];
    for (let c = 0; c < columns; c++) {
      const cell = row[c]!;
      if (!ASCII.test(cell)) return undefined;
      const lines = cell.split('\n');
      for (const line of lines) if (line.length > widths[c]!) widths[c] = line.length;
      cells.push(lines);
    }
    split.push(cells);
  }
  const out: string[] = [];
  for (const cells of split) {
    const height = Math.max(...cells.map((lines) => lines.length));
    for (let k = 0; k < height; k++)
      out.push(
        cells
          .map((lines, c) => (lines[k] ?? '').padEnd(widths[c]!))
          .join(NO_BORDER.middle)
          .trimEnd(),
      );
  }
  return out.join('\n');
}
