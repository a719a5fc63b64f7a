/**
 * Set and map lookups (nft_lookup, nft_dynset): exact keys in a hash, interval elements (prefixes, ranges,
 * per component of a concatenation) scanned. A named set's elements are the dump's snapshot; a dynamic set
 * (`flags dynamic`, or one a rule adds to) changes while packets pass, so a key it does not show is a
 * question unless the probe is a client the node has not seen.
 */
import type { NftElement, NftExpr, NftSet } from '../../../model/nft';
import { type Atom, type Datatype, type Scalar, atomHolds, atomOf } from './datatype';

export interface CompiledSet {
  readonly name: string;
  readonly dynamic: boolean;
  /** Elements the walk could not read (a type it does not know): a miss may be one of them. */
  readonly unread: number;
  /** The index of the element holding `key`, or undefined. */
  find(key: readonly Scalar[]): number | undefined;
  readonly elements: readonly NftElement[];
}

/**
 * An exact key as a Map key: a single component as itself (a lookup makes no text; bigints compare by value),
 * a concatenation as text (one Map beside a nested Map per component holds less for a 10,000-element map).
 */
const keyOf = (key: readonly Scalar[]): Scalar => (key.length === 1 ? key[0]! : key.join(' '));

function partsOf(e: NftExpr): readonly NftExpr[] {
  return e.kind === 'concat' ? e.parts : [e];
}

/** The atoms of one element's key, or undefined when a part is not a literal of its type. */
function atomsOf(key: NftExpr, types: readonly Datatype[]): Atom[] | undefined {
  const parts = partsOf(key);
  if (parts.length !== types.length) return undefined;
  const atoms: Atom[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.kind !== 'literal') return undefined;
    const atom = atomOf(part, types[i]!);
    if (!atom) return undefined;
    atoms.push(atom);
  }
  return atoms;
}

export function compileSet(
  name: string,
  elements: readonly NftElement[],
  types: readonly Datatype[],
  dynamic: boolean,
): CompiledSet {
  const exact = new Map<Scalar, number>();
  const ranged: { atoms: Atom[]; index: number }[] = [];
  let unread = 0;
  elements.forEach((el, index) => {
    const atoms = atomsOf(el.key, types);
    if (!atoms) {
      unread++;
      return;
    }
    if (atoms.every((a) => a.kind === 'eq')) {
      const k = keyOf(atoms.map((a) => (a as Extract<Atom, { kind: 'eq' }>).value));
      if (!exact.has(k)) exact.set(k, index);
    } else ranged.push({ atoms, index });
  });
  return {
    name,
    dynamic,
    unread,
    elements,
    find(key) {
      const hit = exact.get(keyOf(key));
      if (hit !== undefined) return hit;
      for (const r of ranged) if (r.atoms.every((a, i) => atomHolds(a, key[i]!))) return r.index;
      return undefined;
    },
  };
}

/** A named set's key datatypes from its `type` line (or `typeof`, through the selector's datatype). */
export function keyTypesOf(
  set: NftSet,
  fromTypeof: (e: NftExpr) => Datatype | undefined,
  declared: (name: string) => Datatype,
): Datatype[] | undefined {
  if (set.type) return set.type.key.map(declared);
  if (set.typeof) {
    const types = partsOf(set.typeof.key).map(fromTypeof);
    return types.every((t) => t !== undefined) ? (types as Datatype[]) : undefined;
  }
  return undefined;
}

export function isDynamic(set: NftSet): boolean {
  return set.props.some((p) => p.key === 'flags' && /\bdynamic\b/.test(p.value));
}
