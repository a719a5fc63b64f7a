/**
 * Service names `ipvsadm -L` (without -n) prints for ports: getservbyport() on the node, so the node's
 * /etc/services — Debian's netbase or, on RHEL-like nodes, the full IANA registry (`:sun-sr-https` for 6443,
 * `:pcsync-https` for 8443, `:hbci` for 3000 appear in real pastes). Names are unique across tcp and udp here.
 * A name not listed stays a name: the port is then unknown, never guessed.
 */
import { lookup } from '../shared/lookup';

const PORTS: Readonly<Record<string, number>> = {
  // netbase (Debian, Ubuntu) and IANA alike
  'ftp-data': 20,
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  tftp: 69,
  http: 80,
  www: 80,
  kerberos: 88,
  pop3: 110,
  sunrpc: 111,
  nntp: 119,
  ntp: 123,
  imap2: 143,
  imap: 143,
  snmp: 161,
  'snmp-trap': 162,
  bgp: 179,
  ldap: 389,
  https: 443,
  'microsoft-ds': 445,
  submissions: 465,
  isakmp: 500,
  syslog: 514,
  shell: 514,
  submission: 587,
  ipp: 631,
  ldaps: 636,
  'domain-s': 853,
  rsync: 873,
  ftps: 990,
  imaps: 993,
  pop3s: 995,
  socks: 1080,
  openvpn: 1194,
  'ms-sql-s': 1433,
  radius: 1812,
  'radius-acct': 1813,
  nfs: 2049,
  mysql: 3306,
  'ms-wbt-server': 3389,
  'ipsec-nat-t': 4500,
  sip: 5060,
  'sip-tls': 5061,
  'xmpp-client': 5222,
  'xmpp-server': 5269,
  mdns: 5353,
  postgresql: 5432,
  postgres: 5432,
  amqps: 5671,
  amqp: 5672,
  redis: 6379,
  'syslog-tls': 6514,
  'http-alt': 8080,
  webcache: 8080,
  tproxy: 8081,
  puppet: 8140,
  git: 9418,
  webmin: 10000,
  'zabbix-agent': 10050,
  'zabbix-trapper': 10051,
  // IANA only (RHEL's /etc/services): ports clusters commonly serve on
  'etcd-client': 2379,
  'etcd-server': 2380,
  hbci: 3000,
  diameter: 3868,
  vxlan: 4789,
  'commplex-main': 5000,
  'sun-sr-https': 6443,
  irdmi: 8000,
  sunproxyadmin: 8081,
  'us-cli': 8082,
  'us-srv': 8083,
  'd-s-n': 8086,
  'pcsync-https': 8443,
  cslistener: 9000,
  websm: 9090,
  XmlIpcRegSvc: 9092,
  memcache: 11211,
  mongodb: 27017,
};

/** The port a service name stands for, if nfwalk knows the name. */
export function portOfName(name: string): number | undefined {
  return lookup(PORTS, name);
}

/**
 * A name ipvsadm may have cut at its column width (`…:sun-sr-https` fills it exactly) is taken whole when
 * nfwalk knows it and knows no longer name it begins (`http` could be a cut `https`).
 */
export function isWholeName(name: string): boolean {
  return (
    portOfName(name) !== undefined && !Object.keys(PORTS).some((other) => other !== name && other.startsWith(name))
  );
}
