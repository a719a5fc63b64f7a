/** Recognises a dump's format from its content, never from its file name. */

export type DumpKind = 'iptables-save';

const IPTABLES_SAVE = /^[ \t]*(\*(raw|mangle|nat|filter|security)[ \t]*$|(\[\d+:\d+\] )?-A \S+|:\S+ (ACCEPT|DROP|-)( \[\d+:\d+\])?[ \t]*$)/m;

export function detectDump(text: string): DumpKind | undefined {
  return IPTABLES_SAVE.test(text) ? 'iptables-save' : undefined;
}
