/** Which iptables backend printed a ruleset dump. */
import type { Backend } from './ruleset';
import type { RulesetSection } from './section';

const BACKEND_IN_NAME = /ip6?tables-(legacy|nft)-save/;

/**
 * The backend a ruleset dump comes from: its header's word, else the command that printed it (a prompt or
 * collector header), else its file's name (Calico's `iptables-legacy-save.txt`, Cilium's `iptables-nft-save--c.md`).
 */
export function backendOf(section: RulesetSection): Backend | undefined {
  const named =
    BACKEND_IN_NAME.exec(section.source.command ?? '') ??
    BACKEND_IN_NAME.exec(section.source.path.split('/').at(-1) ?? '');
  return section.ruleset.backend ?? (named?.[1] as Backend | undefined);
}
