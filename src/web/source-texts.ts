/**
 * The text of each input as it was read, so that a click on a finding's evidence shows the dump lines
 * around it. Kept up to a budget: a million-entry conntrack table is analysed, not kept twice.
 */
import type { Lines } from './protocol';

/** Characters kept over all inputs (UTF-16: about 128 MB). */
const BUDGET = 64 * 1024 * 1024;

export class SourceTexts {
  private readonly pieces = new Map<string, string[]>();
  private readonly dropped = new Set<string>();
  private kept = 0;
  private split: { path: string; lines: string[] } | undefined;

  keep(path: string, text: string): void {
    this.append(path, text);
  }

  append(path: string, piece: string): void {
    if (this.dropped.has(path)) return;
    if (this.kept + piece.length > BUDGET) {
      // The whole input goes, not its tail: lines shown must be lines of the input.
      this.dropped.add(path);
      for (const p of this.pieces.get(path) ?? []) this.kept -= p.length;
      this.pieces.delete(path);
      return;
    }
    this.kept += piece.length;
    const list = this.pieces.get(path) ?? [];
    list.push(piece);
    this.pieces.set(path, list);
  }

  /** Lines `line - context` to `line + context` of `path` (1-based), or null when its text was not kept. */
  around(path: string, line: number, context: number): Lines | null {
    const lines = this.linesOf(path);
    if (!lines) return null;
    const from = Math.max(1, line - context);
    return { path, from, line, lines: lines.slice(from - 1, Math.min(lines.length, line + context)) };
  }

  private linesOf(path: string): string[] | undefined {
    if (this.split?.path === path) return this.split.lines;
    const pieces = this.pieces.get(path);
    if (!pieces) return undefined;
    const lines = pieces.join('').split(/\r?\n/);
    this.split = { path, lines };
    return lines;
  }
}
