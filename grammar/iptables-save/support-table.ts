/** The extension support table of docs/formats/iptables-save.md, generated from the descriptors. */
import { matchExtensions, targetExtensions } from './extensions/index';
import type { ExtensionSpec } from './extension';

const STATE_TEXT = {
  modelled: 'modelled: every option decoded into typed fields',
  'typed-text': 'typed text: options kept by name with their arguments; undecidable for the walk',
} as const;

function rows(specs: ReadonlyMap<string, ExtensionSpec>, flag: string): string[] {
  return [...specs.values()]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(
      (s) =>
        `| \`${flag} ${s.name}\` | ${STATE_TEXT[s.state]} | ${
          s.options
            .filter((o) => !o.parseOnly)
            .map((o) => `\`${o.names[0]}\``)
            .join(' ') || '—'
        } |`,
    );
}

export function supportTable(): string {
  return [
    '| extension | support | options (in iptables-save order) |',
    '|---|---|---|',
    ...rows(matchExtensions, '-m'),
    ...rows(targetExtensions, '-j'),
    '| any other `-m`/`-j` | kept verbatim as an opaque match/target, with a warning; never dropped | — |',
  ].join('\n');
}
