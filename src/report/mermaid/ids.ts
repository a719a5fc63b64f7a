/**
 * Node ids derived from what a node stands for (a chain, an endpoint), not from drawing order, so that
 * two diagrams of similar dumps diff line by line. A prefix keeps ids clear of Mermaid keywords
 * (`end`, `graph`, `class`) and of the `o`/`x` arrow heads.
 */
// @noble/hashes rather than node:crypto: the paste page draws the same ids in the browser, where no
// synchronous SHA-1 exists.
import { sha1 } from '@noble/hashes/legacy.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

const MAX_NAME = 48;

const digest = (text: string) => bytesToHex(sha1(utf8ToBytes(text))).slice(0, 7);

export class NodeIds {
  private readonly byKey = new Map<string, string>();
  private readonly taken = new Set<string>();

  id(prefix: string, key: string): string {
    const full = `${prefix}\u0000${key}`;
    const known = this.byKey.get(full);
    if (known) return known;
    const name = key.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '');
    // A long key keeps its start readable and a hash of the whole, so cut keys sharing a start stay apart.
    const base = `${prefix}_${name.length > MAX_NAME ? `${name.slice(0, MAX_NAME - 8)}_${digest(key)}` : name}`;
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}_${n}`;
    this.byKey.set(full, id);
    this.taken.add(id);
    return id;
  }
}
