// bench commit: 3 msgd processes on loopback, 1 KiB entries, every entry fsynced by a majority
// before it counts as committed. Latency: one proposal at a time, measured by this process
// around the control-channel round trip. Throughput: `--window` proposals in flight.
// Usage: node bench/dist/commit.js [--entries 2000] [--window 64]
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchLine, summarize, quantile } from './lib/stats.js';
import { MsgdCluster, argNum, stable } from './lib/msg.js';

const entries = argNum('entries', 2000);
const window = argNum('window', 64);
const payload = (i: number): string => `${String(i).padStart(8, '0')}-${'x'.repeat(1024 - 9)}`;
const c = await MsgdCluster.create({ size: 3, tag: 'bench-commit' });
let lat: number[] = [];
let perSec = 0;
try {
  const leader = await stable(c);
  for (let i = 0; i < 100; i++) await leader.propose(payload(i)); // warm-up
  for (let i = 0; i < entries; i++) {
    const t0 = performance.now();
    const r = await leader.propose(payload(i));
    if (!r.ok) throw new Error(`propose failed: ${JSON.stringify(r)}`);
    lat.push(performance.now() - t0);
  }
  const n = entries * 2;
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const r = await leader.propose(payload(i));
      if (!r.ok) throw new Error(`propose failed: ${JSON.stringify(r)}`);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  perSec = n / ((performance.now() - t0) / 1000);
} finally {
  await c.destroy();
}
// Reference in the same run: the floor the disk itself sets, one 1 KiB append + fsync at a time.
const ref: number[] = [];
const refPath = join(tmpdir(), `vigil-fsync-ref-${process.pid}`);
const fh = await open(refPath, 'w');
try {
  const block = new Uint8Array(1100);
  for (let i = 0; i < entries; i++) {
    const t0 = performance.now();
    await fh.write(block);
    await fh.sync();
    ref.push(performance.now() - t0);
  }
} finally {
  await fh.close();
  await rm(refPath, { force: true });
}
ref.sort((a, b) => a - b);
console.log(
  `disk reference (1 KiB append + fsync, one writer, ${tmpdir()}): p50=${quantile(ref, 0.5).toFixed(2)}ms p99=${quantile(ref, 0.99).toFixed(2)}ms`,
);
lat = lat.sort((a, b) => a - b);
const s = summarize(lat);
const p50 = quantile(lat, 0.5);
const p99 = quantile(lat, 0.99);
console.log(
  `sequential: n=${s.n} min=${s.min.toFixed(2)}ms p50=${p50.toFixed(2)}ms p99=${p99.toFixed(2)}ms max=${s.max.toFixed(2)}ms`,
);
console.log(`pipelined (window ${window}): ${perSec.toFixed(0)} entries/s`);
console.log(
  benchLine('commit', {
    entries: s.n,
    entry_bytes: 1024,
    p50_ms: p50,
    p99_ms: p99,
    max_ms: s.max,
    window,
    entries_per_s: perSec,
  }),
);
