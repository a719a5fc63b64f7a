/** Connection-tracking matches: conntrack, state, mark, connmark (iptables-extensions(8)). */
import { addressMask, enumList, markMask, oneOf, portRange, type Codec } from '../codecs';
import { match, opt } from './define';
import { protocolNumber } from '../../../src/model/protocols';

/** Kernel bit order, which is the order iptables-save prints (formats.md §1.8). */
const CT_STATES = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];
const CT_STATUS = ['NONE', 'EXPECTED', 'SEEN_REPLY', 'ASSURED', 'CONFIRMED'];

/** `--ctproto tcp` is saved as `--ctproto 6`. */
const ctproto: Codec<string> = {
  arity: 1,
  parse: ([a = '']) => {
    const n = /^\d+$/.test(a) ? undefined : protocolNumber(a.toLowerCase());
    return n === undefined ? a : `${n}`;
  },
  print: (v, c) => ({ name: c.name, args: [v] }),
};

const ctPorts = portRange(':');

export const conntrack = match('conntrack', [
  opt('--ctstate', 'ctstate', enumList(CT_STATES), { negatable: true }),
  opt('--ctproto', 'ctproto', ctproto, { negatable: true }),
  opt('--ctorigsrc', 'ctorigsrc', addressMask(true), { negatable: true }),
  opt('--ctorigdst', 'ctorigdst', addressMask(true), { negatable: true }),
  opt('--ctreplsrc', 'ctreplsrc', addressMask(true), { negatable: true }),
  opt('--ctrepldst', 'ctrepldst', addressMask(true), { negatable: true }),
  opt('--ctorigsrcport', 'ctorigsrcport', ctPorts, { negatable: true }),
  opt('--ctorigdstport', 'ctorigdstport', ctPorts, { negatable: true }),
  opt('--ctreplsrcport', 'ctreplsrcport', ctPorts, { negatable: true }),
  opt('--ctrepldstport', 'ctrepldstport', ctPorts, { negatable: true }),
  opt('--ctstatus', 'ctstatus', enumList(CT_STATUS), { negatable: true }),
  opt('--ctexpire', 'ctexpire', ctPorts, { negatable: true }),
  opt('--ctdir', 'ctdir', oneOf(['ORIGINAL', 'REPLY'])),
]);

export const state = match('state', [opt('--state', 'state', enumList(CT_STATES.slice(0, 5)), { negatable: true })]);

export const mark = match('mark', [opt('--mark', 'mark', markMask(false), { negatable: true })]);
export const connmark = match('connmark', [opt('--mark', 'mark', markMask(false), { negatable: true })]);
