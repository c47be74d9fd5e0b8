#!/usr/bin/env node
/**
 * `npm run sim -- --seeds N [--nodes K] [--first S] [--ticks T]` runs N seeds and ends with
 * `sim: seeds=N violations=V` (exit 1 if V > 0). `--seed S [--nodes K]` replays one seed and
 * prints its trace.
 */
import { simulate } from './cluster.js';
import { nodesForSeed, runSeeds } from './run.js';

function usage(msg: string): never {
  process.stderr.write(
    `sim: ${msg}\nusage: sim --seeds N [--nodes 3|5|7] [--first S] [--ticks T]\n       sim --seed S [--nodes 3|5|7] [--ticks T]\n`,
  );
  process.exit(64);
}

function intArg(args: string[], i: number, name: string): number {
  const v = args[i + 1];
  if (v === undefined || !/^\d+$/.test(v)) usage(`${name} needs a non-negative integer`);
  return Number(v);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let seeds: number | undefined;
  let seed: number | undefined;
  let nodes: number | undefined;
  let first = 1;
  let ticks: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--seeds') seeds = intArg(args, i++, a);
    else if (a === '--seed') seed = intArg(args, i++, a);
    else if (a === '--nodes') nodes = intArg(args, i++, a);
    else if (a === '--first') first = intArg(args, i++, a);
    else if (a === '--ticks') ticks = intArg(args, i++, a);
    else usage(`unknown argument ${a ?? ''}`);
  }
  if (nodes !== undefined && ![3, 5, 7].includes(nodes)) usage('--nodes must be 3, 5 or 7');
  if ((seeds === undefined) === (seed === undefined))
    usage('give exactly one of --seeds N or --seed S');

  if (seed !== undefined) {
    const r = await simulate({
      seed,
      nodes: nodes ?? nodesForSeed(seed),
      trace: true,
      ...(ticks !== undefined ? { faultTicks: ticks } : {}),
    });
    for (const line of r.trace) process.stdout.write(`${line}\n`);
    process.stdout.write(`stats ${JSON.stringify(r.stats)}\n`);
    process.stdout.write(`sim: seeds=1 violations=${r.violations.length}\n`);
    process.exitCode = r.violations.length > 0 ? 1 : 0;
    return;
  }

  const started = performance.now();
  const s = await runSeeds(first, seeds!, {
    ...(nodes !== undefined ? { nodes } : {}),
    ...(ticks !== undefined ? { faultTicks: ticks } : {}),
    onResult: (r) => {
      for (const v of r.violations) process.stdout.write(`seed ${r.seed} nodes=${r.nodes}: ${v}\n`);
    },
  });
  const secs = (performance.now() - started) / 1000;
  process.stdout.write(
    `sim: ${s.committedProposals} proposals committed, ${s.crashes} crashes, slowest convergence ${s.maxConvergedAfterTicks} ticks, ${secs.toFixed(1)} s\n`,
  );
  process.stdout.write(`sim: seeds=${s.seeds} violations=${s.violations}\n`);
  process.exitCode = s.violations > 0 ? 1 : 0;
}

await main();
