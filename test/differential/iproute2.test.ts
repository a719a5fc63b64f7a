/**
 * iproute2 as people paste it, read against what it prints in a namespace. `ip -br addr`, one line per interface:
 * the same interfaces, states and addresses as `ip addr` and `ip -o addr` give. `ip rule`: policy routing, no route.
 */
import { readText } from '../../src/index';
import type { IpInterface } from '../../src/model/ip';
import { kernelTest, withNetns } from '../helpers/kernel';

/** Interfaces with their state and addresses, as each listing is read. */
const shapeOf = (interfaces: readonly IpInterface[]) =>
  interfaces
    .map((i) => ({
      name: i.name,
      ...(i.link ? { link: i.link } : {}),
      addresses: i.addresses.map((a) => `${a.address}/${a.prefixLength}`).sort(),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));

kernelTest('ip -br addr is read as ip addr and ip -o addr read the same interfaces, links and addresses', async (t) => {
  const listings = withNetns((exec) => {
    for (const args of [
      ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1'],
      ['addr', 'add', '10.0.3.17/24', 'dev', 'eth0'],
      ['addr', 'add', '10.0.3.18/32', 'dev', 'eth0'],
      ['addr', 'add', 'fd00:3::17/64', 'dev', 'eth0'],
      ['link', 'set', 'eth0', 'up'],
      ['link', 'set', 'eth1', 'up'],
      ['link', 'add', 'cni0', 'type', 'veth', 'peer', 'name', 'veth1a2b3c'],
      ['addr', 'add', '10.244.1.1/24', 'dev', 'cni0'],
      ['link', 'set', 'veth1a2b3c', 'up'],
      ['link', 'set', 'lo', 'up'],
    ]) {
      const r = exec('ip', args);
      t.is(r.status, 0, `ip ${args.join(' ')}: ${r.stderr}`);
    }
    return Object.fromEntries(
      (['addr', '-o addr', '-br addr'] as const).map((form) => [form, exec('ip', form.split(' ')).stdout]),
    );
  });
  const brief = listings['-br addr']!;
  t.regex(brief, /^veth1a2b3c@cni0\s+\S+/m, `no veth pair in:\n${brief}`);
  const read = async (form: string) => {
    const found = await readText(`root@node-1:~# ip ${form}\n${listings[form]!}`, 'node-1.txt');
    const sections = found.sections.filter((s) => s.kind === 'ip-addr');
    t.deepEqual(
      found.sections.flatMap((s) => s.diagnostics),
      [],
      form,
    );
    t.is(sections.length, 1, `${form}: ${found.sections.map((s) => s.kind).join(', ')}`);
    const [section] = sections;
    return section?.kind === 'ip-addr' ? section.interfaces : [];
  };
  const plain = await read('addr');
  const briefly = await read('-br addr');
  t.deepEqual(shapeOf(briefly), shapeOf(plain));
  // `ip -o addr` prints a line per address: no `@link`, no interface without one.
  const addressed = (interfaces: readonly IpInterface[]) =>
    shapeOf(interfaces)
      .filter((i) => i.addresses.length > 0)
      .map(({ name, addresses }) => ({ name, addresses }));
  t.deepEqual(addressed(await read('-o addr')), addressed(plain));
  t.deepEqual(
    briefly.map((i) => [i.name, i.state]),
    plain.map((i) => [i.name, i.state]),
  );
});

kernelTest("ip rule's lines, pasted after ip route with or without a prompt, are no routes", async (t) => {
  const printed = withNetns((exec) => {
    for (const args of [
      ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1'],
      ['addr', 'add', '10.0.3.17/24', 'dev', 'eth0'],
      ['link', 'set', 'eth0', 'up'],
      ['rule', 'add', 'from', '10.244.1.0/24', 'lookup', '100', 'priority', '1000'],
      ['-6', 'rule', 'add', 'from', 'fd00:1::/64', 'lookup', '100', 'priority', '1000'],
    ]) {
      const r = exec('ip', args);
      t.is(r.status, 0, `ip ${args.join(' ')}: ${r.stderr}`);
    }
    return {
      route: exec('ip', ['route']).stdout,
      rule: exec('ip', ['rule']).stdout,
      rule6: exec('ip', ['-6', 'rule']).stdout,
    };
  });
  t.regex(printed.rule, /^1000:\s+from 10\.244\.1\.0\/24 lookup 100/m);
  const routes = (await readText(`$ ip route\n${printed.route}`, 'n.txt')).sections.flatMap((s) =>
    s.kind === 'ip-route' ? s.routes : [],
  );
  t.true(routes.length > 0);
  for (const paste of [
    `$ ip route\n${printed.route}$ ip rule\n${printed.rule}$ ip -6 rule\n${printed.rule6}`,
    `$ ip route\n${printed.route}${printed.rule}${printed.rule6}`,
  ]) {
    const found = await readText(paste, 'n.txt');
    t.deepEqual(
      found.sections.flatMap((s) => (s.kind === 'ip-route' ? s.routes : [])),
      routes,
    );
    t.deepEqual(
      found.sections.flatMap((s) => s.diagnostics),
      [],
    );
  }
});

kernelTest("ip neigh's lines (Rancher's networking/ipneighbour), alone or after ip route, are no routes", async (t) => {
  const printed = withNetns((exec) => {
    for (const args of [
      ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1'],
      ['addr', 'add', '10.0.3.17/24', 'dev', 'eth0'],
      ['addr', 'add', 'fd00:3::17/64', 'dev', 'eth0'],
      ['link', 'set', 'eth0', 'up'],
      ['neigh', 'add', '10.0.3.18', 'lladdr', '6a:1f:00:00:00:05', 'dev', 'eth0', 'nud', 'permanent'],
      ['neigh', 'add', '10.0.3.19', 'lladdr', '6a:1f:00:00:00:06', 'dev', 'eth0', 'nud', 'stale'],
      ['neigh', 'add', '10.0.3.20', 'lladdr', '6a:1f:00:00:00:07', 'dev', 'eth0', 'nud', 'reachable'],
      ['neigh', 'add', 'fd00:3::18', 'lladdr', '6a:1f:00:00:00:08', 'dev', 'eth0', 'nud', 'permanent'],
    ]) {
      const r = exec('ip', args);
      t.is(r.status, 0, `ip ${args.join(' ')}: ${r.stderr}`);
    }
    // Asked for by a ping no one answers, inside the namespace: an entry without a link address (INCOMPLETE, FAILED).
    exec('ping', ['-c', '1', '-W', '1', '10.0.3.21']);
    return { route: exec('ip', ['route']).stdout, neigh: exec('ip', ['neigh']).stdout };
  });
  t.regex(printed.neigh, /^10\.0\.3\.18 dev eth0 lladdr 6a:1f:00:00:00:05 PERMANENT/m);
  t.regex(printed.neigh, /^10\.0\.3\.21 dev eth0 +(INCOMPLETE|FAILED)/m);
  const routesOf = (found: Awaited<ReturnType<typeof readText>>) =>
    found.sections.flatMap((s) => (s.kind === 'ip-route' ? s.routes.map((r) => `${r.dst} ${r.dev ?? ''}`) : []));
  const routes = routesOf(await readText(`$ ip route\n${printed.route}`, 'n.txt'));
  t.true(routes.length > 0);
  // Neighbours alone are no dump nfwalk reads.
  await t.throwsAsync(readText(printed.neigh, 'ipneighbour'), { message: /no usable dump in ipneighbour/ });
  for (const paste of [
    `$ ip route\n${printed.route}$ ip neigh\n${printed.neigh}`,
    `${printed.route}${printed.neigh}`,
  ]) {
    const found = await readText(paste, 'n.txt');
    t.deepEqual(routesOf(found), routes);
    t.deepEqual(
      found.sections.flatMap((s) => s.diagnostics),
      [],
    );
  }
});
