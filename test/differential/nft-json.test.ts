/**
 * `nft -j list ruleset` against the kernel: rulesets with every kind of named object (counter, quota, limit, ct
 * helper, ct timeout, ct expectation), the statements that use them, chains at priorities around every standard
 * name on every family and hook, and a generated kube-proxy table are loaded with `nft -f` into namespaces of
 * this test's own (`nfwr-json-…`). The JSON must read with no diagnostic, and nfwalk's fmt of it must print
 * `nft -a list ruleset` of the same kernel, but for what nft 1.0.6's JSON does not carry: table and chain
 * comments, the `dynamic` set flag and the device of a netdev chain.
 */
import { printNftSection, parseNftJson } from '../../grammar/nft/index';
import { kubeProxyNftRuleset } from '../generators/kube-proxy-nft';
import { kernelTest, run } from '../helpers/kernel';

const NFT = '/usr/sbin/nft';

const OBJECTS = `table ip o {
	counter c1 {
		packets 5 bytes 300
	}
	quota q1 {
		over 25 mbytes used 0 bytes
	}
	quota q2 {
		1 kbytes
	}
	limit l1 {
		rate 10/second
	}
	limit l2 {
		rate over 1 mbytes/second burst 5000 bytes
	}
	ct helper h1 {
		type "ftp" protocol tcp
		l3proto ip
	}
	ct timeout t1 {
		protocol tcp
		l3proto ip
		policy = { established : 100 }
	}
	ct expectation e1 {
		protocol tcp
		dport 5000
		timeout 1s
		size 12
		l3proto ip
	}
	chain c {
		type filter hook input priority filter; policy accept;
		limit rate 10/second accept
		limit rate over 5/minute burst 3 packets drop
		limit rate 2 kbytes/second burst 4096 bytes accept
		quota over 10 mbytes drop
		quota 1500 bytes accept
		quota name "q1" drop
		limit name "l1" accept
		ct helper set "h1"
		ct timeout set "t1"
		ct expectation set "e1"
		log prefix "x " level info flags all
		log group 2
		meta mark set 0x2a
		ct mark set meta mark & 0xffff
		meta mark & 0x4000 != 0 accept
		meta nftrace set 1
		iifname "eth0" oifname { "lo", "eth1" } accept
		iif vmap { "lo" : accept }
		tcp dport 22 reject with tcp reset
		reject with icmp type admin-prohibited
		counter name "c1"
	}
	chain d {
		ip saddr 10.0.0.1 dup to 10.0.0.2 device "lo"
	}
}
`;

/** Base chains a few steps around each standard priority, on every hook of every family. */
function priorities(): string {
  const hooks: Record<string, readonly string[]> = {
    ip: ['prerouting', 'input', 'forward', 'output', 'postrouting'],
    inet: ['prerouting', 'output', 'postrouting'],
    bridge: ['prerouting', 'forward', 'output', 'postrouting'],
    arp: ['input', 'output'],
    netdev: ['ingress'],
  };
  const values = [
    -311, -310, -300, -290, -289, -200, -160, -150, -140, -110, -100, -90, -11, -10, 0, 10, 11, 50, 60, 90, 100, 110,
    300,
  ];
  let out = '';
  for (const [family, list] of Object.entries(hooks)) {
    out += `table ${family} p {\n`;
    let n = 0;
    for (const hook of list)
      for (const v of values) {
        const device = family === 'netdev' ? ' device "lo"' : '';
        out += `\tchain c${n++} {\n\t\ttype filter hook ${hook}${device} priority ${v}; policy accept;\n\t}\n`;
      }
    out += '}\n';
  }
  return out;
}

/** The listing without what the JSON cannot give: table and chain comments, the `dynamic` set flag, a netdev chain's device. */
function withoutJsonLosses(listing: string): string {
  const lines = listing.split('\n');
  return lines
    .filter(
      (l, i) => !(/^\t{1,2}comment "/.test(l) && /^(table|\tchain) .*\{( # handle \d+)?$/.test(lines[i - 1] ?? '')),
    )
    .map((l) =>
      l.replace(/^(\t\tflags )dynamic,/, '$1').replace(/^(\t\ttype filter hook ingress) device "[^"]*"/, '$1'),
    )
    .join('\n');
}

kernelTest(
  "fmt of nft's JSON prints the kernel's own listing, objects, statements and priorities spelled as nft does",
  (t) => {
    const rulesets = [
      ['objects', OBJECTS],
      ['priorities', priorities()],
      ['kube-proxy', kubeProxyNftRuleset({ services: 40, seed: 5, layout: 'v1.34' }).text],
    ] as const;
    for (const [i, [name, text]] of rulesets.entries()) {
      const ns = `nfwr-json-${process.pid}-${i}`;
      run('ip', ['netns', 'del', ns]);
      t.is(run('ip', ['netns', 'add', ns]).status, 0);
      try {
        const nft = (args: string[], input?: string) => {
          const r = run('ip', ['netns', 'exec', ns, NFT, ...args], input);
          t.is(r.status, 0, `${name}: nft ${args.join(' ')}: ${r.stderr}`);
          return r.stdout;
        };
        nft(['-f', '-'], text);
        const listing = nft(['-a', 'list', 'ruleset']);
        const body = parseNftJson(nft(['-j', 'list', 'ruleset']));
        t.deepEqual(
          body.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`),
          [],
          name,
        );
        t.is(printNftSection(body), withoutJsonLosses(listing), name);
      } finally {
        run('ip', ['netns', 'del', ns]);
      }
    }
  },
);
