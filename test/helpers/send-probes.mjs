// Sends probe packets from inside a test namespace: one TCP SYN (connect, then give up), one UDP datagram
// or one ICMP echo per probe, each from its own source address and port. Run by `ip netns exec`; reads
// the probes as JSON from the file named on the command line. Nothing here leaves the namespaces.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';

const probes = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

function tcp(p) {
  return new Promise((resolve) => {
    const s = net.connect({ host: p.dst, port: p.dport, localAddress: p.src, localPort: p.sport });
    const done = () => {
      s.destroy();
      resolve();
    };
    s.on('error', done);
    s.on('connect', done);
    // Long enough for the SYN to be sent and traced, short of the first retransmission (1 s).
    setTimeout(done, 120);
  });
}

function udp(p) {
  return new Promise((resolve) => {
    const s = dgram.createSocket(p.dst.includes(':') ? 'udp6' : 'udp4');
    s.on('error', () => {
      s.close();
      resolve();
    });
    s.bind({ address: p.src, port: p.sport }, () =>
      s.send('probe', p.dport, p.dst, () => {
        s.close();
        resolve();
      }),
    );
  });
}

function icmp(p) {
  return new Promise((resolve) => {
    const c = spawn('ping', ['-c', '1', '-W', '1', '-I', p.src, p.dst], { stdio: 'ignore' });
    c.on('exit', resolve);
    c.on('error', resolve);
  });
}

const pending = [];
for (const p of probes) {
  pending.push(p.proto === 'tcp' ? tcp(p) : p.proto === 'udp' ? udp(p) : icmp(p));
  await pause(p.gapMs ?? 3);
}
await Promise.all(pending);
