import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { GarbageMoment } from '../analyses/stale/index';

/**
 * Above this much used heap no room is made for the NodePort doubts. A full collection marks all that is live to
 * free the first look's contexts (some 35 MB on a 10,000-service node): a third of an iptables node's heap, whose
 * peak it lowers, but a seventh of an nft node's, whose listing's model alone is some 200 MB, where the mark took
 * about 1 s of CPU.
 */
const DOUBTS_ROOM_HEAP = 160 * 2 ** 20;

/** Whether `stale` collects at `moment` with `heapUsed` bytes of heap in use. */
export function collectsAt(moment: GarbageMoment, heapUsed: number): boolean {
  switch (moment) {
    case 'first-look':
      return heapUsed < DOUBTS_ROOM_HEAP;
    case 'judged':
    case 'grouped':
      return true;
  }
}

/**
 * A full collection at `moment` when collectsAt says so: V8 sizes the old generation by what a full collection
 * leaves, and the dropped rules would otherwise stay resident under the analysis's peak. `gc` is only exposed by a
 * flag; set at run time, it takes a new context to read it.
 */
export function collectAt(moment: GarbageMoment): void {
  if (!collectsAt(moment, process.memoryUsage().heapUsed)) return;
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
