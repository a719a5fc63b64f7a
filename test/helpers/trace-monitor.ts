/**
 * A kernel trace monitor (`xtables-monitor --trace` or `nft -a monitor trace`) in a lab namespace, writing to a
 * file. A fixed wait before the probes loses the first probe's trace on a loaded machine, so the monitor counts
 * as started once its netlink socket has joined the trace group, and as done once it has read every event the
 * kernel queued for it and written nothing more for a while.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync, statSync } from 'node:fs';

/** NETLINK_NETFILTER in /proc/net/netlink's Eth column. */
const NETLINK_NETFILTER = 12;
/** NFNLGRP_NFTRACE (9) as a bit of the Groups column. */
const NFTRACE_GROUP_BIT = 1 << 8;
const POLL_MS = 25;
const QUIET_MS = 150;
const LIMIT_MS = 10_000;

export interface TraceMonitor {
  /**
   * Waits for the monitor to have read and written every event and stops it; when it had stopped by itself
   * (ENOBUFS, when it fell behind), what it said on stderr.
   */
  stop(): Promise<string | undefined>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The monitor's trace socket, from its own namespace's netlink table: its receive queue, or undefined before it joined. */
function traceSocketQueue(pid: number): number | undefined {
  let table: string;
  try {
    table = readFileSync(`/proc/${pid}/net/netlink`, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of table.split('\n').slice(1)) {
    const [, eth, , groups, rmem] = line.trim().split(/\s+/);
    if (Number(eth) === NETLINK_NETFILTER && (parseInt(groups ?? '0', 16) & NFTRACE_GROUP_BIT) !== 0)
      return Number(rmem);
  }
  return undefined;
}

/** Starts `command` in `ns` and resolves once it listens to the kernel's trace. */
export async function startTraceMonitor(
  ns: string,
  command: readonly string[],
  outFile: string,
  errFile: string,
): Promise<TraceMonitor> {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, ...command], {
    stdio: ['ignore', openSync(outFile, 'w'), openSync(errFile, 'w')],
  });
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  const started = Date.now();
  // `ip netns exec` execs the monitor, so the child's pid is the monitor's.
  while (child.pid === undefined || traceSocketQueue(child.pid) === undefined) {
    if (child.exitCode !== null) break;
    if (Date.now() - started > LIMIT_MS) {
      child.kill();
      await exited;
      throw new Error(`${command.join(' ')} did not join the trace group in ${LIMIT_MS} ms`);
    }
    await sleep(POLL_MS);
  }
  return {
    async stop() {
      const from = Date.now();
      let size = -1;
      let quietSince = Date.now();
      while (child.exitCode === null && Date.now() - from < LIMIT_MS) {
        const now = statSync(outFile).size;
        const queued = traceSocketQueue(child.pid!) ?? 0;
        if (now !== size || queued > 0) {
          size = now;
          quietSince = Date.now();
        } else if (Date.now() - quietSince >= QUIET_MS) break;
        await sleep(POLL_MS);
      }
      if (child.exitCode !== null) return readFileSync(errFile, 'utf8').trim();
      child.kill();
      await exited;
      return undefined;
    },
  };
}
