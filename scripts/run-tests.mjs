// Runs every package's compiled tests with node:test. The runner's own summary is the last output.
// Usage: node scripts/run-tests.mjs [--only PKG[,PKG]] [extra node --test flags]
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import './check-node.mjs';

const args = process.argv.slice(2);
let only = null;
const passthrough = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--only') only = new Set(String(args[++i]).split(','));
  else passthrough.push(args[i]);
}

const root = new URL('..', import.meta.url).pathname;
const files = [];
function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.js')) files.push(p);
  }
}
for (const pkg of readdirSync(join(root, 'packages')).sort()) {
  if (only && !only.has(pkg)) continue;
  const dir = join(root, 'packages', pkg, 'dist', 'test');
  if (existsSync(dir)) walk(dir);
}
if (files.length === 0) {
  console.error('no compiled tests found: run `npm run build` first');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-reporter=spec',
    '--test-concurrency=2',
    '--test-timeout=300000',
    ...passthrough,
    ...files.sort(),
  ],
  { stdio: 'inherit', cwd: root },
);
process.exit(r.status ?? 1);
