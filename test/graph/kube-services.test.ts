/**
 * kubeServices finds a service's chains by the hash its entry points reach (KUBE-SVC/SVL/XLB/EXT-<hash>) in one
 * pass over the nat chains' names; as the chain index does, the last chain of a name stands.
 */
import test from 'ava';
import { parseIptablesSave } from '../../grammar/iptables-save/index';
import { kubeServices } from '../../src/graph/kube-services';
import { dedent } from '../helpers/dedent';

const HASH = 'ABCDEF0123456789';

test('a table given twice: affinity and the external policy come from the last chains of the hash', (t) => {
  const { ruleset } = parseIptablesSave(
    dedent`
      *nat
      :KUBE-SERVICES - [0:0]
      :KUBE-SVC-${HASH} - [0:0]
      -A KUBE-SVC-${HASH} -m recent --name KUBE-SEP-A --rcheck --seconds 30 --reap -j KUBE-SEP-A
      COMMIT
      *nat
      :KUBE-SERVICES - [0:0]
      :KUBE-NODEPORTS - [0:0]
      :KUBE-SVC-${HASH} - [0:0]
      :KUBE-SVL-${HASH} - [0:0]
      :KUBE-EXT-${HASH} - [0:0]
      :KUBE-SEP-A - [0:0]
      -A KUBE-SERVICES -d 10.96.0.9/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-${HASH}
      -A KUBE-NODEPORTS -p tcp -m tcp --dport 30009 -j KUBE-EXT-${HASH}
      -A KUBE-EXT-${HASH} -j KUBE-SVL-${HASH}
      -A KUBE-SVC-${HASH} -m recent --name KUBE-SEP-A --rcheck --seconds 60 --reap -j KUBE-SEP-A
      -A KUBE-SVC-${HASH} -j KUBE-SEP-A
      -A KUBE-SVL-${HASH} -j KUBE-SEP-A
      -A KUBE-SEP-A -p tcp -m tcp -j DNAT --to-destination 10.244.0.9:8080
      COMMIT
    `,
    'twice.txt',
  );
  const services = kubeServices(ruleset);
  t.is(services.length, 1);
  const [s] = services;
  t.is(s!.name, `KUBE-SVC-${HASH}`);
  t.is(s!.affinitySeconds, 60);
  t.is(s!.externalTrafficPolicy, 'Local');
  t.is(s!.internalTrafficPolicy, 'Cluster');
  t.deepEqual(
    s!.entryPoints.map((e) => `${e.kind} ${e.ip ?? '*'}:${e.port}`),
    ['clusterIP 10.96.0.9:80', 'nodePort *:30009'],
  );
});
