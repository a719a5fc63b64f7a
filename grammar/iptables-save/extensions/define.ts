/**
 * Small constructors that keep descriptor tables readable, and tie each descriptor to its model record: a
 * match descriptor of module K fills `MatchOf<K>`, and an option naming a field that record lacks does not compile.
 */
import type { MatchModule, MatchOf } from '../../../src/model/match';
import type { TargetKind, TargetOf } from '../../../src/model/target';
import type { Codec } from '../codecs';
import type { ExtensionSpec, OptionSpec } from '../extension';

export function opt<F extends string>(
  names: string | readonly string[],
  field: F,
  codec: Codec<unknown>,
  flags: Omit<OptionSpec, 'names' | 'field' | 'codec'> = {},
): OptionSpec<F> {
  return { names: typeof names === 'string' ? [names] : names, field, codec, ...flags };
}

const MAN = 'https://ipset.netfilter.org/iptables-extensions.man.html';

/** What a descriptor may set besides its name, options and fixed fields. */
type Extra<R extends object> = Partial<Omit<ExtensionSpec<R>, 'name' | 'options' | 'fixed'>>;

type Fields<R> = Exclude<keyof R, 'module' | 'kind'> & string;

export function match<K extends Exclude<MatchModule, 'opaque'>>(
  name: K,
  options: readonly OptionSpec<Fields<MatchOf<K>>>[],
  extra: Extra<MatchOf<K>> = {},
): ExtensionSpec<MatchOf<K>> {
  return { name, doc: `${MAN}#lbA${name}`, state: 'modelled', fixed: { module: name }, options, ...extra };
}

/** `X`: fields only `normalise` reads (CONNMARK's `--mask`), named at the call. */
export function target<K extends Exclude<TargetKind, 'jump' | 'opaque'>, X extends string = never>(
  name: K,
  options: readonly OptionSpec<Fields<TargetOf<K>> | X>[],
  extra: Extra<TargetOf<K>> = {},
): ExtensionSpec<TargetOf<K>> {
  return { name, doc: `${MAN}#${name}`, state: 'modelled', fixed: { kind: name }, options, ...extra };
}

export function textMatch<K extends Exclude<MatchModule, 'opaque'>>(name: K): ExtensionSpec<MatchOf<K>> {
  return match(name, [], { state: 'typed-text', textOptions: true });
}

export function textTarget<K extends Exclude<TargetKind, 'jump' | 'opaque'>>(name: K): ExtensionSpec<TargetOf<K>> {
  return target(name, [], { state: 'typed-text', textOptions: true });
}

/**
 * `names` as given, compiling only when it lists every member of `U`: a name added to the model's union is an
 * error here until its descriptor exists.
 */
export function everyName<U extends string>() {
  return <const T extends readonly U[]>(
    names: T & ([Exclude<U, T[number]>] extends [never] ? unknown : { readonly missing: Exclude<U, T[number]> }),
  ): T => names;
}
