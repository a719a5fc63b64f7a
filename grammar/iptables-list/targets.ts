/**
 * The text each target prints after the matches in `iptables -L` (libxt_*.c `print`), read back into the
 * target's iptables-save options. A reader takes the whole rest of the line or gives up.
 */
import type { WordSyntax } from '../iptables-save/syntax';
import { type Cursor, SaveWords } from './cursor';
import { isHex, isMark, tildeHex } from './values';

/**
 * Reads the target's text at the cursor into the save options after `-j NAME`: true when it could, or the
 * name the target really has when the column shows another (`CT` for its alias NOTRACK).
 */
type TargetReader = (c: Cursor, out: SaveWords) => boolean | string;

const FULL = 0xffffffff;
const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** MARK and CONNMARK print --set-xmark V/M by what it does: `and ~M`, `or V`, `xor V`, `set V`, `xset V/M`. */
function xmark(c: Cursor): string | undefined {
  const op = c.bare();
  const value = c.bare(1);
  if (!value) return undefined;
  if (op === 'xset' && isMark(value) && value.includes('/')) return ((c.i += 2), value);
  if (!isHex(value)) return undefined;
  const v = Number.parseInt(value, 16);
  const forms: Readonly<Record<string, string>> = {
    and: `0x0/${hex(~v)}`,
    or: `${value}/${value}`,
    xor: `${value}/0x0`,
    set: `${value}/${hex(FULL)}`,
  };
  const form = op ? forms[op] : undefined;
  if (form) c.i += 2;
  return form;
}

const mark: TargetReader = (c, out) => {
  if (!c.accept('MARK')) return false;
  const x = xmark(c);
  return x !== undefined && !!out.add('--set-xmark', x);
};

/** `CONNMARK save`, `CONNMARK save mask M`, `CONNMARK restore ctmask C nfmask ~N`, or a set like MARK's. */
const connmark: TargetReader = (c, out) => {
  if (!c.accept('CONNMARK')) return false;
  for (const copy of ['save', 'restore'] as const) {
    if (!c.accept(copy)) continue;
    let nf = hex(FULL);
    let ct = hex(FULL);
    const both = c.keyed('mask', /^0x[0-9a-f]+$/i);
    if (both) nf = ct = both;
    else if (
      copy === 'save' &&
      c.bare() === 'nfmask' &&
      c.bare(2) === 'ctmask' &&
      isHex(c.bare(1) ?? '') &&
      tildeHex(c.bare(3))
    ) {
      [nf, ct] = [c.bare(1)!, tildeHex(c.bare(3))!];
      c.i += 4;
    } else if (
      copy === 'restore' &&
      c.bare() === 'ctmask' &&
      c.bare(2) === 'nfmask' &&
      isHex(c.bare(1) ?? '') &&
      tildeHex(c.bare(3))
    ) {
      [ct, nf] = [c.bare(1)!, tildeHex(c.bare(3))!];
      c.i += 4;
    }
    out.add(`--${copy}-mark`, '--nfmask', nf, '--ctmask', ct);
    return true;
  }
  const x = xmark(c);
  return x !== undefined && !!out.add('--set-xmark', x);
};

/** DNAT/SNAT `to:10.0.0.1:80 random persistent` (several `to:` in old multi-range rules); NETMAP `to:NET`. */
const natTo =
  (option: string, flags: readonly string[]): TargetReader =>
  (c, out) => {
    let any = false;
    for (let to = c.bare(); to?.startsWith('to:'); to = c.bare()) {
      c.i++;
      out.add(option, to.slice(3));
      any = true;
    }
    for (const f of flags) if (c.accept(f)) out.add(`--${f}`);
    return any;
  };

/** MASQUERADE `masq ports: 1024-2048 random-fully`, REDIRECT `redir ports 8080 random` (both without address). */
const portsOnly =
  (words: readonly string[], flags: readonly string[]): TargetReader =>
  (c, out) => {
    if (c.accept(...words)) {
      const ports = c.take()?.text;
      if (!ports || !/^\d+(-\d+)?$/.test(ports)) return false;
      out.add('--to-ports', ports);
    }
    for (const f of flags) if (c.accept(f)) out.add(`--${f}`);
    return true;
  };

const reject: TargetReader = (c, out) => {
  const with_ = c.keyed('reject-with', /^[a-z0-9-]+$/);
  if (with_) out.add('--reject-with', with_);
  return with_ !== undefined;
};

const LOG_FLAGS: readonly [number, string][] = [
  [1, 'tcp-sequence'],
  [2, 'tcp-options'],
  [4, 'ip-options'],
  [8, 'uid'],
  [0x20, 'macdecode'],
];
const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

/** `LOG flags 0 level 4 prefix "x"` (-n) or `LOG level warning tcp-options prefix "x"`. */
const log: TargetReader = (c, out) => {
  if (!c.accept('LOG')) return false;
  let flags: string[] = [];
  let level: number;
  const numericFlags = c.keyed('flags', /^\d+$/);
  if (numericFlags !== undefined) {
    const bits = Number(numericFlags);
    flags = LOG_FLAGS.filter(([b]) => bits & b).map(([, f]) => f);
    const n = c.keyed('level', /^\d+$/);
    if (n === undefined) return false;
    level = Number(n);
  } else {
    const name = c.keyed('level', /^[a-z]+$/);
    level =
      name === undefined
        ? -1
        : LOG_LEVELS.indexOf(
            name === 'error' ? 'err' : name === 'warn' ? 'warning' : name === 'panic' ? 'emerg' : name,
          );
    if (level < 0) return false;
    for (const [, f] of LOG_FLAGS) if (c.accept(f)) flags.push(f);
  }
  if (c.bare() === 'prefix' && c.at(1).kind === 'quoted') {
    out.add('--log-prefix').quoted(c.at(1).text);
    c.i += 2;
  }
  if (level !== 4) out.add('--log-level', String(level));
  for (const f of flags) out.add(`--log-${f}`);
  return true;
};

/** `CT notrack helper ftp timeout t ctevents new,related expevents new zone-orig 7`, or `NOTRACK` (the alias). */
const ct: TargetReader = (c, out) => {
  if (c.accept('NOTRACK')) return 'NOTRACK';
  if (!c.accept('CT')) return false;
  if (c.accept('notrack')) out.add('--notrack');
  for (const key of ['helper', 'timeout', 'ctevents', 'expevents']) {
    const v = c.keyed(key, /./);
    if (v) out.add(`--${key}`, v);
  }
  const zone = c.bare();
  if (zone && /^zone(-orig|-reply)?$/.test(zone) && c.bare(1)) {
    out.add(`--${zone}`, c.bare(1)!);
    c.i += 2;
  }
  return true;
};

/** `TCPMSS clamp to PMTU`, `TCPMSS set 1400`. */
const tcpmss: TargetReader = (c, out) => {
  if (c.accept('TCPMSS', 'clamp', 'to', 'PMTU')) return !!out.add('--clamp-mss-to-pmtu');
  const mss = c.accept('TCPMSS') ? c.keyed('set', /^\d+$/) : undefined;
  return mss !== undefined && !!out.add('--set-mss', mss);
};

/** `nflog-prefix "x" nflog-group 2 nflog-size 128 nflog-threshold 5`: the save options without `--`. */
const nflog: TargetReader = (c, out) => {
  if (c.bare() === 'nflog-prefix' && c.at(1).kind === 'quoted') {
    out.add('--nflog-prefix').quoted(c.at(1).text);
    c.i += 2;
  }
  for (const key of ['nflog-group', 'nflog-size', 'nflog-range', 'nflog-threshold']) {
    const v = c.keyed(key, /^\d+$/);
    if (v) out.add(`--${key}`, v);
  }
  return true;
};

/** `TPROXY redirect 10.0.0.1:15001 mark 0x1/0x1`. */
const tproxy: TargetReader = (c, out) => {
  const to = c.accept('TPROXY') ? c.keyed('redirect', /:\d+$/) : undefined;
  const markMask = c.keyed('mark', /^0x[0-9a-f]+\/0x[0-9a-f]+$/i);
  if (!to || !markMask) return false;
  const colon = to.lastIndexOf(':');
  out.add('--on-port', to.slice(colon + 1), '--on-ip', to.slice(0, colon), '--tproxy-mark', markMask);
  return true;
};

const checksum: TargetReader = (c, out) => c.accept('CHECKSUM', 'fill') && !!out.add('--checksum-fill');

const TARGETS: Readonly<Record<string, TargetReader>> = {
  MARK: mark,
  CONNMARK: connmark,
  DNAT: natTo('--to-destination', ['random', 'persistent']),
  SNAT: natTo('--to-source', ['random', 'random-fully', 'persistent']),
  NETMAP: natTo('--to', []),
  MASQUERADE: portsOnly(['masq', 'ports:'], ['random', 'random-fully']),
  REDIRECT: portsOnly(['redir', 'ports'], ['random']),
  REJECT: reject,
  LOG: log,
  CT: ct,
  NOTRACK: ct,
  TCPMSS: tcpmss,
  NFLOG: nflog,
  TPROXY: tproxy,
  CHECKSUM: checksum,
};

/** Whether nfwalk knows what this target prints. */
export const hasTargetReader = (name: string) => Object.hasOwn(TARGETS, name);

/**
 * The target's save words (`-j NAME options…`, `-g CHAIN`) when its reader takes every remaining word;
 * undefined when words are left or the reader gives up. A target that prints nothing takes no words.
 */
export function readTarget(
  c: Cursor,
  name: string,
  at: Cursor['words'][number],
  goto: boolean,
): WordSyntax[] | undefined {
  return c.attempt(() => {
    const options = new SaveWords(at);
    const reader = Object.hasOwn(TARGETS, name) ? TARGETS[name] : undefined;
    const read = reader ? reader(c, options) : true;
    if (read === false || !c.done) return undefined;
    return [...new SaveWords(at).add(goto ? '-g' : '-j', typeof read === 'string' ? read : name).out, ...options.out];
  });
}
