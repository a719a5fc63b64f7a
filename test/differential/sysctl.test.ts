/**
 * Conntrack's sysctls as people paste them, read against what a namespace prints: `sysctl net.netfilter`,
 * `grep . /proc/sys/net/netfilter/*` (each file's path and value) and `cat` of one file give the same keys and values.
 */
import { readText } from '../../src/index';
import type { SysctlEntry } from '../../src/model/sysctl';
import { kernelTest, withNetns } from '../helpers/kernel';

const KEYS = ['nf_conntrack_max', 'nf_conntrack_count', 'nf_conntrack_buckets', 'nf_conntrack_tcp_timeout_established'];

kernelTest(
  'sysctl, grep . of /proc/sys files and cat of one file give the same conntrack keys and values',
  async (t) => {
    const out = withNetns((exec) => {
      const sh = (command: string) => {
        const r = exec('sh', ['-c', command]);
        t.is(r.status, 0, `${command}: ${r.stderr}`);
        return `root@node-1:~# ${command}\n${r.stdout}`;
      };
      return {
        sysctl: sh('sysctl net.netfilter'),
        grep: sh(`grep . ${KEYS.map((k) => `/proc/sys/net/netfilter/${k}`).join(' ')}`),
        cat: KEYS.map((k) => sh(`cat /proc/sys/net/netfilter/${k}`)).join(''),
      };
    });
    const read = async (text: string) => {
      const found = await readText(text, 'node-1.txt');
      t.deepEqual(
        found.sections.flatMap((s) => s.diagnostics),
        [],
      );
      const entries = found.sections.flatMap((s): readonly SysctlEntry[] => (s.kind === 'sysctl' ? s.entries : []));
      return new Map(entries.map((e) => [e.key, e.value]));
    };
    const all = await read(out.sysctl);
    const wanted = new Map(
      KEYS.filter((k) => k !== 'nf_conntrack_count').map((k) => [`net.netfilter.${k}`, all.get(`net.netfilter.${k}`)]),
    );
    t.true(
      [...wanted.values()].every((v) => v !== undefined && /^\d+$/.test(v)),
      JSON.stringify([...wanted]),
    );
    for (const form of ['grep', 'cat'] as const) {
      const got = await read(out[form]);
      t.deepEqual(new Map([...got].filter(([k]) => wanted.has(k))), wanted, form);
    }
  },
);
