/**
 * Lines that separate dumps without belonging to any: shell prompts, collector headers, Markdown fences,
 * kubectl and collector banners (shared/reference/bundles.md §2, §3 step 4). A prompt or header names the
 * command whose output follows; that command becomes the next section's `source.command`.
 */
import type { ForeignDump } from '../model/section';

export type Boundary =
  /** `host`: the machine the command ran on, as the prompt names it. */
  | { readonly kind: 'command'; readonly command: string; readonly reason: string; readonly host?: string }
  /** A prompt of a command nfwalk does not read (`bridge link`, `lsns`): its output is skipped under its name. */
  | { readonly kind: 'other-command'; readonly command: string; readonly reason: string }
  | { readonly kind: 'noise'; readonly reason: string }
  /** The first line of a listing nfwalk recognises but does not read: its lines are skipped under its name. */
  | { readonly kind: 'foreign'; readonly dump: ForeignDump; readonly reason: string; readonly listing: boolean };

const COMMANDS = String.raw`(?:\S*/)?(?:ip6?tables(?:-nft|-legacy)?(?:-save)?|xtables-save|ipvsadm(?:-save)?|conntrack|ipset|nft|ip|sysctl|cat)\b.*`;
const PROMPT = new RegExp(String.raw`^(?:\[[^\]]+\][#$]|\S+@\S+:[^#$]*[#$]|\S+:\S* #|[#$>%]|PS [^>]+>)\s*(?:sudo\s+(?:-\S+\s+)*)?(?:kubectl .*? -- )?(${COMMANDS})$`);
/** The unmistakable prompts (`[user@host dir]#`, `user@host:dir$`, `$ `), which may precede any command or none. */
const ANY_PROMPT = /^(?:\[[^\]]+\][#$]|[\w.-]+@[\w.-]+:[^#$]*[#$]|\$)(?:\s+(\S.*?))?\s*$/;
const KNOWN_COMMAND = new RegExp(`(?:^|[\\s/])(${COMMANDS})$`);
const EKS_HEADER = /^\*\*\* Output of (.+?) \*\*\* ?$/;
const COMMENTED_COMMAND = new RegExp(`^# (${COMMANDS})$`);

const NOISE: readonly [RegExp, string][] = [
  [/^#==\[ [^\]]+ \]=+#\s*$/, 'collector header'],
  [/^\s*```/, 'Markdown fence'],
  [/^\s*<\/?(details|summary)>/, 'Markdown details block'],
  [/^Defaulted container |^Unable to use a TTY|^command terminated with exit code \d+/, 'kubectl banner'],
  [/^> Error while running /, 'collector error'],
  [/^\S+ not installed\s*$/, 'collector note'],
  [/^# NOTE: /, 'collector note'],
  [/^ipvsadm v\d+\.\d+ /, 'ipvsadm version'],
  [/^=+\s*$|^Total Number of Rules: \d+/, 'collector trailer'],
];

/** `listing`: the lines after the first one belong to it until the next dump. */
const FOREIGN: readonly [RegExp, ForeignDump, string, boolean][] = [
  // iptables-nft-save's warning (stderr since 1.8.9, which collectors keep): the other backend's tables act on packets too.
  [/^# Warning: iptables-legacy tables present/, 'iptables-legacy', 'iptables warning that legacy tables exist beside this dump (nfwalk reads what iptables-legacy-save prints)', false],
  [/^# Warning: ip6tables-legacy tables present/, 'ip6tables-legacy', 'ip6tables warning that legacy tables exist beside this dump (nfwalk reads what ip6tables-legacy-save prints)', false],
];

export function boundaryAt(line: string): Boundary | undefined {
  const header = EKS_HEADER.exec(line) ?? COMMENTED_COMMAND.exec(line);
  if (header) return { kind: 'command', command: header[1]!.trim(), reason: 'collector header' };
  const prompt = PROMPT.exec(line);
  if (prompt) return ranOn({ kind: 'command', command: prompt[1]!.trim(), reason: 'shell prompt' }, line);
  const other = ANY_PROMPT.exec(line);
  if (other) {
    const command = other[1]?.trim() ?? '';
    // A known command behind a wrapper (`nsenter -t 1 -n iptables-save`, `crictl exec … conntrack -L`).
    const known = KNOWN_COMMAND.exec(command);
    if (known) return ranOn({ kind: 'command', command: known[1]!.trim(), reason: 'shell prompt' }, line);
    if (command === '') return { kind: 'noise', reason: 'shell prompt' };
    return { kind: 'other-command', command, reason: `shell prompt of \`${command}\`, a command nfwalk does not read` };
  }
  for (const [pattern, reason] of NOISE) if (pattern.test(line)) return { kind: 'noise', reason };
  for (const [pattern, dump, reason, listing] of FOREIGN) if (pattern.test(line)) return { kind: 'foreign', dump, reason, listing };
  return undefined;
}

/** `iptables-save | grep KUBE`: the dump that follows is a filtered part. */
export function isPartial(command: string): boolean {
  return /\|\s*(grep|egrep|head|tail|awk|sed)\b/.test(command);
}

/** The host a prompt names: `[root@HOST dir]#`, `user@HOST:dir$`, `HOST:dir #`. */
const PROMPT_HOST = /^(?:\[[^@\]\s]+@([^\]\s]+)[^\]]*\]|[^@\s]+@([\w.-]+):|([\w.-]+):\S* #)/;

/**
 * Where a command ran: the prompt's host. Not through `kubectl exec`, whose prompt is the workstation's and
 * whose pod name says nothing of which node's shell ran the other commands.
 */
function ranOn(b: Extract<Boundary, { kind: 'command' }>, line: string): Boundary {
  if (/\bkubectl\s.*\bexec\b/.test(line)) return b;
  const m = PROMPT_HOST.exec(line);
  const host = m?.[1] ?? m?.[2] ?? m?.[3];
  return host ? { ...b, host } : b;
}
