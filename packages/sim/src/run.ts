import { simulate, type SimResult } from './cluster.js';

export interface SeedsSummary {
  readonly seeds: number;
  readonly violations: number;
  readonly failed: readonly SimResult[];
  /** The slowest convergence seen, in ticks after the faults stopped. */
  readonly maxConvergedAfterTicks: number;
  readonly committedProposals: number;
  readonly crashes: number;
}

/** The cluster size for a seed when none is forced: 3, 5 and 7 in turn. */
export function nodesForSeed(seed: number): number {
  return [3, 5, 7][seed % 3]!;
}

/** Runs seeds [first, first + count). */
export async function runSeeds(
  first: number,
  count: number,
  opts: { nodes?: number; faultTicks?: number; onResult?: (r: SimResult) => void } = {},
): Promise<SeedsSummary> {
  const failed: SimResult[] = [];
  let violations = 0;
  let maxConv = 0;
  let committed = 0;
  let crashes = 0;
  for (let seed = first; seed < first + count; seed++) {
    const r = await simulate({
      seed,
      nodes: opts.nodes ?? nodesForSeed(seed),
      ...(opts.faultTicks !== undefined ? { faultTicks: opts.faultTicks } : {}),
    });
    opts.onResult?.(r);
    violations += r.violations.length;
    if (r.violations.length > 0) failed.push(r);
    if (r.convergedAfterTicks !== null) maxConv = Math.max(maxConv, r.convergedAfterTicks);
    committed += r.stats.committedProposals;
    crashes += r.stats.crashes;
  }
  return {
    seeds: count,
    violations,
    failed,
    maxConvergedAfterTicks: maxConv,
    committedProposals: committed,
    crashes,
  };
}
