/**
 * A restart of the embedded store alone: opens a data directory (its newest snapshot, then the log
 * after it) in a fresh process, with wall time, CPU time of every thread and the load average.
 * Alternate it with the code before a change on the same directory; the shared machine's speed moves.
 *
 *   npx tsx bench/restart-profile.ts --dir /tmp/nb-store [--runs 3] [--json]
 *
 * Build the directory first, e.g. with `bench/neighbourhood-profile.ts --dir`. `npm run bench`
 * measures its restarts through this script (`--json`: one line of figures per run), so that a
 * restart starts in a fresh process, as it does in production, not beside the heap of the store it
 * replaces.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { EmbeddedStore } from '../src/store/memory/embedded-store.js';
import { timed } from './measure.js';

const { values: flags } = parseArgs({ options: { dir: { type: 'string' }, runs: { type: 'string', default: '1' }, json: { type: 'boolean', default: false } } });
if (flags.dir === undefined) throw new RangeError('--dir is required');
for (let run = 0; run < Number(flags.runs); run++) {
  const load = loadavg()[0]?.toFixed(2);
  const r = await timed(() => EmbeddedStore.open({ dataDir: flags.dir as string }));
  const stats = await r.value.store.stats();
  await r.value.store.close();
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ms: r.ms, cpuMs: r.cpuMs, events: stats.events, recovery: r.value.recovery, load: loadavg() })}\n`);
    continue;
  }
  process.stdout.write(
    `restart: ${(r.ms / 1000).toFixed(2)} s wall, cpu ${(r.cpuMs / 1000).toFixed(2)} s; ${stats.events} events (${r.value.recovery.fromSnapshot} from the snapshot, ${r.value.recovery.replayedEvents} replayed); load ${load}\n`,
  );
}
