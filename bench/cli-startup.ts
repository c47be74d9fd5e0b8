// bench cli-startup: how long `vigil version` takes as a fresh process (what every CLI call pays).
import { fileURLToPath } from 'node:url';
import { run } from '@vigil/testkit';
import { benchLine, summarize } from './lib/stats.js';

const BIN = fileURLToPath(new URL('../../packages/cli/bin/vigil.js', import.meta.url));
const trials = Number(process.argv[2] ?? 30);
const samples: number[] = [];
for (let i = 0; i < trials; i++) {
  const t0 = performance.now();
  const r = await run(process.execPath, [BIN, 'version'], { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`vigil version failed: ${r.stderr}`);
  samples.push(performance.now() - t0);
}
const s = summarize(samples);
console.log(
  `trials=${s.n} min=${s.min.toFixed(1)}ms median=${s.median.toFixed(1)}ms p99=${s.p99.toFixed(1)}ms`,
);
console.log(benchLine('cli-startup', { trials: s.n, median_ms: s.median, p99_ms: s.p99 }));
