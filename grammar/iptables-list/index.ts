/** `iptables -L` / `ip6tables -L` listings: text → the ruleset model, with what the listing hides said. */
import type { IptablesListBody } from '../../src/model/section';
import { lineChunks } from '../shared/chunks';
import { type DumpFormat, startsWithAny } from '../shared/reader';
import { IptablesListReader } from './reader';

/** A whole text known to be one listing; `hint` is the command that printed it, if known. */
export function parseIptablesList(text: string, path: string, hint = path): IptablesListBody {
  const reader = new IptablesListReader(path, hint);
  for (const chunk of lineChunks(text)) reader.read(chunk, () => false);
  return reader.finish();
}

export const iptablesListFormat: DumpFormat = {
  name: 'iptables-list',
  distinctive: true,
  starts: startsWithAny([/^Chain \S+ \((policy (ACCEPT|DROP)( \S+ packets, \S+ bytes)?|\d+ references)\)\s*$/]),
  reader: (path, hint) => new IptablesListReader(path, hint),
};
