/**
 * The chain of an `-A` line found by the order its table declared the chains in, without a slice of the line:
 * iptables-save lists the chains' rules in that order, so when a line's chain is not the last line's it is nearly
 * always the next one declared (32,510 of 32,514 times in a kube-proxy dump of 10,000 services).
 */
import type { Chain } from '../../src/model/ruleset';

/** How many chains after the last one found are tried: chains without rules lie between. */
const AHEAD = 4;
/**
 * How many times a table's chain is placed by a search of the declared order before the cursor gives up: a dump
 * whose rules do not follow it would pay a search of every chain for each line.
 */
const PLACES = 64;

export class ChainCursor<C extends Chain> {
  /** The table's chains in the order declared, as they were when last placed. */
  private order: readonly C[] = [];
  /** Where in `order` the last chain found is. */
  private at = -1;
  private places = 0;

  reset(): void {
    this.order = [];
    this.at = -1;
    this.places = 0;
  }

  /** The chain spelt on [start, end) of `text` when it is one of the few declared after the last found. */
  next(text: string, start: number, end: number): C | undefined {
    const { order } = this;
    const last = Math.min(order.length, this.at + 1 + AHEAD);
    for (let i = this.at + 1; i < last; i++) {
      const chain = order[i]!;
      if (chain.name.length === end - start && text.startsWith(chain.name, start)) {
        this.at = i;
        return chain;
      }
    }
    return undefined;
  }

  /** Moves the cursor to `chain`, one of `chains`, found by its name. */
  place(chain: C, chains: ReadonlyMap<string, C>): void {
    if (this.places === PLACES) return;
    if (++this.places === PLACES) {
      this.order = [];
      this.at = -1;
      return;
    }
    if (this.order.length !== chains.size) this.order = [...chains.values()];
    this.at = this.order.indexOf(chain);
  }
}
