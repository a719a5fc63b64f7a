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
  /** iptables' warning that the other backend's tables exist: rules the dump does not show. */
  | { readonly kind: 'foreign'; readonly dump: ForeignDump; readonly reason: string };

// `grep . /proc/sys/net/netfilter/*` prints each file's path and value: sysctl's keys.
const COMMANDS = String.raw`(?:\S*/)?(?:ip6?tables(?:-nft|-legacy)?(?:-save)?|xtables-save|ipvsadm(?:-save)?|conntrack|ipset|nft|ip|sysctl|cat|grep(?=\s.*/proc/sys/))\b.*`;
/**
 * The unmistakable prompts, which may precede any command or none: `[user@host dir]#`, `user@host:dir$`,
 * `user@host dir $` (Flatcar), `host:dir#` (Alpine), `host dir #` (SUSE), `sh-4.2#`, `/ #` and `~ $`
 * (busybox, netshoot), `❯`, `PS C:\>`, `C:\Users\x>`, `$`.
 */
const SHELL_PROMPT = String.raw`(?:\[[^\]]+\][#$]|[\w.-]+@[\w.-]+(?::[^#$\s]*|\s+[~/]\S*)\s?[#$]|[\w.-]+:[~/]\S*\s?[#$]|[\w.-]+\s+[~/]\S*\s+[#$]|(?:ba|z)?sh-\d+(?:\.\d+)*[#$]|[~/]\S*\s+[#$]|\u276F|(?:PS )?[A-Z]:\\[^>]*>|\$)`;
const PROMPT = new RegExp(
  String.raw`^(?:${SHELL_PROMPT}|\S+:\S* #|[#$>%]|PS [^>]+>)\s*(?:sudo\s+(?:-\S+\s+)*)?(?:kubectl .*? -- )?(${COMMANDS})$`,
);
const ANY_PROMPT = new RegExp(String.raw`^${SHELL_PROMPT}(?:\s+(\S.*?))?\s*$`);
const KNOWN_COMMAND = new RegExp(`(?:^|[\\s/])(${COMMANDS})$`);
const EKS_HEADER = /^\*\*\* Output of (.+?) \*\*\* ?$/;
const COMMENTED_COMMAND = new RegExp(`^# (${COMMANDS})$`);

const NOISE: readonly [RegExp, string][] = [
  [/^#==\[ [^\]]+ \]=+#\s*$/, 'collector header'],
  [/^\s*```/, 'Markdown fence'],
  [/^\s*<\/?(details|summary)>/, 'Markdown details block'],
  [/^\s*(?:<\/?(?:pre|code|p|div|span|tt|br|blockquote)\b[^<>]*>\s*)+$/i, 'HTML markup'],
  [/^Defaulted container |^Unable to use a TTY|^command terminated with exit code \d+/, 'kubectl banner'],
  [/^> Error while running /, 'collector error'],
  [/^\S+ not installed\s*$/, 'collector note'],
  [/^# NOTE: /, 'collector note'],
  [/^ipvsadm v\d+\.\d+ /, 'ipvsadm version'],
  [/^=+\s*$|^Total Number of Rules: \d+/, 'collector trailer'],
];

const FOREIGN: readonly [RegExp, ForeignDump, string][] = [
  // iptables-nft-save's warning (stderr since 1.8.9, which collectors keep): the other backend's tables act on packets too.
  [
    /^# Warning: iptables-legacy tables present/,
    'iptables-legacy',
    'iptables warning that legacy tables exist beside this dump (nfwalk reads what iptables-legacy-save prints)',
  ],
  [
    /^# Warning: ip6tables-legacy tables present/,
    'ip6tables-legacy',
    'ip6tables warning that legacy tables exist beside this dump (nfwalk reads what ip6tables-legacy-save prints)',
  ],
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
  for (const [pattern, dump, reason] of FOREIGN) if (pattern.test(line)) return { kind: 'foreign', dump, reason };
  return undefined;
}

/** `ipvsadm -Ln -t VIP:PORT`: a listing of the one virtual service named. */
const IPVS_ONE_SERVICE = /\bipvsadm\b.*\s(?:-[tuf]|--(?:tcp|udp|sctp|fwmark)-service)[\s=]+\S/;

/** `iptables-save | grep KUBE`, `ipvsadm -Ln -t VIP:PORT`: the dump that follows is a filtered part. */
export function isPartial(command: string): boolean {
  return /\|\s*(grep|egrep|head|tail|awk|sed)\b/.test(command) || IPVS_ONE_SERVICE.test(command);
}

/** The host a prompt names: `[root@HOST dir]#`, `user@HOST:dir$`, `user@HOST dir $`, `HOST:dir #`, `HOST dir #`. */
const PROMPT_HOST =
  /^(?:\[[^@\]\s]+@([^\]\s]+)[^\]]*\]|[^@\s]+@([\w.-]+)[:\s]|([\w.-]+):[~/]?\S*\s?#|([\w.-]+)\s+[~/]\S*\s+[#$])/;
/** `ssh HOST …` runs the command on HOST, whatever the prompt's machine. */
const SSH_HOST = /\bssh\s+(?:-\S+\s+(?:\S+\s+)?)*?(?:[\w.-]+@)?([\w.-]+)\s/;

/**
 * Where a command ran: the prompt's host. Not through `kubectl exec`, whose prompt is the workstation's and
 * whose pod name says nothing of which node's shell ran the other commands.
 */
function ranOn(b: Extract<Boundary, { kind: 'command' }>, line: string): Boundary {
  if (/\bkubectl\s.*\bexec\b/.test(line)) return b;
  const m = PROMPT_HOST.exec(line);
  const host = SSH_HOST.exec(line)?.[1] ?? m?.[1] ?? m?.[2] ?? m?.[3] ?? m?.[4];
  return host ? { ...b, host } : b;
}
