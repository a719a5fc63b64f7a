/** Small constructors that keep descriptor tables readable. */
import type { Codec } from '../codecs';
import type { ExtensionSpec, OptionSpec } from '../extension';

export function opt(
  names: string | readonly string[],
  field: string,
  codec: Codec<unknown>,
  flags: Omit<OptionSpec, 'names' | 'field' | 'codec'> = {},
): OptionSpec {
  return { names: typeof names === 'string' ? [names] : names, field, codec, ...flags };
}

const MAN = 'https://ipset.netfilter.org/iptables-extensions.man.html';

export function match(name: string, options: readonly OptionSpec[], extra: Partial<ExtensionSpec> = {}): ExtensionSpec {
  return { name, doc: `${MAN}#lbA${name}`, state: 'modelled', fixed: { module: name }, options, ...extra };
}

export function target(
  name: string,
  options: readonly OptionSpec[],
  extra: Partial<ExtensionSpec> = {},
): ExtensionSpec {
  return { name, doc: `${MAN}#${name}`, state: 'modelled', fixed: { kind: name }, options, ...extra };
}

export function textMatch(name: string): ExtensionSpec {
  return match(name, [], { state: 'typed-text', textOptions: true });
}

export function textTarget(name: string): ExtensionSpec {
  return target(name, [], { state: 'typed-text', textOptions: true });
}
