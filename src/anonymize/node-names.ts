/**
 * The node names of the bundles being anonymised (from their layout: `nodes/<node>/`, `sosreport-<host>`,
 * the folder's own name) and their stand-ins, replaced wherever they occur as a whole token — in text
 * (prompts, hostnames) and in file paths, where a name may sit inside `eks_<instance>_<date>`.
 */
import type { Pseudonyms } from './pseudonyms';

/** Shorter names are too likely to be ordinary words. */
const MIN_NAME = 4;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class NodeNames {
  private readonly names = new Map<string, string>();
  private pattern: RegExp | undefined;

  constructor(private readonly pseudonyms: Pseudonyms) {}

  add(name: string): void {
    if (name.length < MIN_NAME || this.names.has(name)) return;
    this.names.set(name, this.pseudonyms.name('node', name));
    // Longest first, so that `node-1` does not cut into `node-10`.
    const alternatives = [...this.names.keys()].sort((a, b) => b.length - a.length).map(escape);
    // Letters and digits bound a name; a dash or underscore may join it to the rest (`sosreport-<host>-<date>`).
    this.pattern = new RegExp(`(?<![A-Za-z0-9])(?:${alternatives.join('|')})(?![A-Za-z0-9])`, 'g');
  }

  replace(text: string): string {
    return this.pattern ? text.replace(this.pattern, (m) => this.names.get(m) ?? m) : text;
  }
}
