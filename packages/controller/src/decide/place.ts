import type { GraphAction, GraphEdge, TransitionGraph } from './transition.js';
import {
  INFINITY,
  fmtScore,
  primitives,
  type Cib,
  type PrimitiveDef,
  type ResourceDef,
} from './model.js';

/**
 * The interim placer: CIB + membership → transition graph, pure and explained.
 *
 * It covers what vigild's own slice needs (primitives, groups, anonymous clones, location,
 * colocation and order constraints, standby, migration-threshold, target-role, fencing before
 * recovery) and is replaced by `@vigil/scheduler` once that package publishes its graph.
 *
 * Safety contract: a resource active on a lost node is never started elsewhere while stonith is
 * enabled unless the fence of that node is ordered before the start; the stop on a lost node is a
 * pseudo action implied by its fence.
 */
export interface ClusterAction extends GraphAction {
  readonly kind: 'start' | 'stop' | 'monitor' | 'fence' | 'pseudo';
  /** Primitive id for resource actions. */
  readonly rsc?: string;
  readonly def?: PrimitiveDef;
  readonly intervalMs?: number;
  /** Node to fence, for fence actions (which run on `node`, the DC). */
  readonly target?: string;
  readonly reason: string;
}

export interface PlaceInput {
  readonly cib: Cib;
  /** Every configured node that may run resources (witnesses excluded). */
  readonly nodes: readonly string[];
  /** Nodes currently members of this partition. */
  readonly online: ReadonlySet<string>;
  readonly quorate: boolean;
  readonly stonithEnabled: boolean;
  readonly noQuorumPolicy: 'stop' | 'freeze' | 'ignore' | 'suicide';
  /** The node that runs fence actions (the DC). */
  readonly dc: string;
  readonly transitionId: number;
  readonly defaultTimeoutMs?: number;
  readonly fenceTimeoutMs?: number;
}

export interface Placement {
  readonly rsc: string;
  /** Nodes it should run on (one for primitives and groups, several for clones). */
  readonly nodes: readonly string[];
  readonly scores: Readonly<Record<string, string>>;
  readonly reason: string;
}

export interface PlaceResult {
  readonly graph: TransitionGraph<ClusterAction>;
  readonly placements: readonly Placement[];
  /** One line per decision, in order. */
  readonly notes: readonly string[];
}

const DEFAULT_OP_TIMEOUT_MS = 20_000;

export function place(input: PlaceInput): PlaceResult {
  const { cib } = input;
  const cfg = cib.config;
  const st = cib.status;
  const actions: ClusterAction[] = [];
  const edges: GraphEdge[] = [];
  const notes: string[] = [];
  const placements: Placement[] = [];
  const timeoutMs = input.defaultTimeoutMs ?? DEFAULT_OP_TIMEOUT_MS;
  let nextId = 1;
  const add = (a: Omit<ClusterAction, 'id'>): number => {
    const id = nextId++;
    actions.push({ ...a, id });
    return id;
  };

  // 1. Node classes.
  const unclean = new Set<string>();
  for (const n of input.nodes) {
    const ns = st.nodes[n];
    if (ns?.state === 'lost' && !input.online.has(n)) unclean.add(n);
  }
  const fenceOf = new Map<string, number>();
  if (input.stonithEnabled) {
    for (const n of unclean) {
      fenceOf.set(
        n,
        add({
          kind: 'fence',
          node: input.dc,
          target: n,
          timeoutMs: input.fenceTimeoutMs ?? 60_000,
          label: `fence ${n}`,
          reason: `node ${n} is lost and may still run resources`,
        }),
      );
      notes.push(`fence ${n}: lost and unclean`);
    }
  }
  const settings = (n: string) => cfg.nodes[n] ?? { standby: false, maintenance: false };
  const runnable = (n: string): boolean =>
    input.online.has(n) &&
    !settings(n).standby &&
    !settings(n).maintenance &&
    (input.quorate || input.noQuorumPolicy === 'ignore');

  // 2. Where each primitive is active now (lost nodes count until fenced, if stonith is on).
  const activeOn = (rsc: string): string[] =>
    input.nodes.filter((n) => {
      const rec = st.ops[n]?.[rsc];
      // A failed record counts as active: recovery stops it before starting anywhere.
      if (!rec || (!rec.active && !rec.failed)) return false;
      if (input.online.has(n)) return true;
      return unclean.has(n) && input.stonithEnabled;
    });
  const failedOn = (rsc: string, n: string): boolean => st.ops[n]?.[rsc]?.failed === true;
  const failcount = (rsc: string, n: string): number => st.failcounts[n]?.[rsc] ?? 0;

  // 3. Scores and choice per top-level resource (colocation targets first).
  const chosen = new Map<string, string[]>();
  const assignedCount = new Map<string, number>();
  const order = colocationOrder(cfg.resources, cfg.constraints);
  for (const r of order) {
    const prims = r.kind === 'group' ? r.members : r.kind === 'clone' ? [r.child] : [r];
    const ids = new Set([r.id, ...prims.map((p) => p.id)]);
    const scores = new Map<string, number>();
    const why: string[] = [];
    for (const n of input.nodes) {
      let s = 0;
      if (!runnable(n)) {
        s = -INFINITY;
      } else {
        for (const c of cfg.constraints) {
          if (c.kind === 'location' && ids.has(c.rsc) && c.node === n) s = addScore(s, c.score);
        }
        for (const p of prims) {
          const thr = threshold(p, r);
          if (failcount(p.id, n) >= thr) {
            s = -INFINITY;
            why.push(`${p.id} reached migration-threshold ${thr} on ${n}`);
          }
        }
        for (const c of cfg.constraints) {
          if (c.kind !== 'colocation' || !ids.has(c.rsc)) continue;
          const target = chosen.get(c.withRsc) ?? [];
          if (c.score >= INFINITY && !target.includes(n)) s = -INFINITY;
          else if (target.includes(n)) s = addScore(s, c.score);
        }
        const stick = Number(
          r.meta['resource-stickiness'] ?? cfg.properties['resource-stickiness'] ?? '0',
        );
        if (Number.isFinite(stick) && stick !== 0 && prims.some((p) => activeOn(p.id).includes(n)))
          s = addScore(s, stick);
      }
      scores.set(n, s);
    }
    const role = r.meta['target-role'] ?? 'Started';
    let want: string[] = [];
    if (role.toLowerCase() === 'stopped') {
      why.push('target-role is Stopped');
    } else {
      const current = new Set(prims.flatMap((p) => activeOn(p.id)));
      const ranked = input.nodes
        .filter((n) => (scores.get(n) ?? -INFINITY) >= 0)
        .sort(
          (a, b) =>
            (scores.get(b) ?? 0) - (scores.get(a) ?? 0) ||
            Number(current.has(b)) - Number(current.has(a)) ||
            (assignedCount.get(a) ?? 0) - (assignedCount.get(b) ?? 0) ||
            (a < b ? -1 : a > b ? 1 : 0),
        );
      const max = r.kind === 'clone' ? Number(r.meta['clone-max'] ?? input.nodes.length) : 1;
      want = ranked.slice(0, Math.max(0, max));
      if (want.length === 0) why.push('no node can run it');
    }
    for (const n of want) assignedCount.set(n, (assignedCount.get(n) ?? 0) + prims.length);
    chosen.set(r.id, want);
    for (const p of prims) chosen.set(p.id, want);
    const scoreText: Record<string, string> = {};
    for (const [n, s] of scores) scoreText[n] = fmtScore(s);
    const reason =
      want.length > 0
        ? `${r.id} → ${want.join(', ')}: highest score (${input.nodes.map((n) => `${n}=${scoreText[n]}`).join(' ')})${why.length ? `; ${why.join('; ')}` : ''}`
        : `${r.id} stays stopped: ${why.join('; ')}`;
    placements.push({ rsc: r.id, nodes: want, scores: scoreText, reason });
    notes.push(reason);
  }

  // 4. Actions per primitive: stops first, then starts, then recurring monitors.
  const startIds = new Map<string, number[]>();
  const stopIds = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, v: number) =>
    m.set(k, [...(m.get(k) ?? []), v]);
  for (const { prim } of primitives(cfg)) {
    const want = chosen.get(prim.id) ?? [];
    const active = activeOn(prim.id);
    const stopsHere: number[] = [];
    const maintained = (n: string) => settings(n).maintenance && input.online.has(n);
    for (const n of active) {
      if (maintained(n)) continue;
      const failed = failedOn(prim.id, n);
      if (want.includes(n) && !failed) continue;
      const why = failed ? `${prim.id} failed on ${n}` : `${prim.id} must leave ${n}`;
      const fence = fenceOf.get(n);
      const id =
        fence !== undefined
          ? add({
              kind: 'pseudo',
              node: undefined,
              rsc: prim.id,
              timeoutMs: 0,
              label: `stop ${prim.id} on ${n} (implied by fencing)`,
              reason: why,
            })
          : add({
              kind: 'stop',
              node: n,
              rsc: prim.id,
              def: prim,
              timeoutMs,
              label: `stop ${prim.id} on ${n}`,
              reason: why,
            });
      if (fence !== undefined) edges.push({ first: fence, then: id });
      stopsHere.push(id);
      push(stopIds, prim.id, id);
    }
    for (const n of want) {
      if (active.includes(n) && !failedOn(prim.id, n)) {
        // Running where it belongs: make sure its recurring monitor runs (a transition aborted
        // between start and monitor, or a probe found it, leaves it without one).
        const last = st.ops[n]?.[prim.id]?.op ?? '';
        for (const op of prim.ops) {
          if (op.intervalMs <= 0 || last === `monitor_${op.intervalMs}`) continue;
          add({
            kind: 'monitor',
            node: n,
            rsc: prim.id,
            def: prim,
            intervalMs: op.intervalMs,
            timeoutMs,
            label: `monitor ${prim.id} every ${op.intervalMs} ms on ${n}`,
            reason: 'running without its recurring monitor',
          });
        }
        continue;
      }
      const start = add({
        kind: 'start',
        node: n,
        rsc: prim.id,
        def: prim,
        timeoutMs,
        label: `start ${prim.id} on ${n}`,
        reason: failedOn(prim.id, n) ? `recover ${prim.id} on ${n}` : `place ${prim.id} on ${n}`,
      });
      for (const s of stopsHere) edges.push({ first: s, then: start });
      push(startIds, prim.id, start);
      for (const op of prim.ops) {
        if (op.intervalMs <= 0) continue;
        const mon = add({
          kind: 'monitor',
          node: n,
          rsc: prim.id,
          def: prim,
          intervalMs: op.intervalMs,
          timeoutMs,
          label: `monitor ${prim.id} every ${op.intervalMs} ms on ${n}`,
          reason: 'recurring monitor after start',
        });
        edges.push({ first: start, then: mon });
      }
    }
  }
  // Group ordering: member i starts after member i-1 starts; stops in reverse.
  const orderPairs: [string, string][] = [];
  for (const r of cfg.resources) {
    if (r.kind === 'group')
      for (let i = 1; i < r.members.length; i++)
        orderPairs.push([r.members[i - 1]!.id, r.members[i]!.id]);
  }
  for (const c of cfg.constraints) {
    if (c.kind !== 'order') continue;
    const firsts = expand(cfg.resources, c.first);
    const thens = expand(cfg.resources, c.then);
    for (const f of firsts) for (const t of thens) orderPairs.push([f, t]);
  }
  for (const [first, then] of orderPairs) {
    for (const a of startIds.get(first) ?? [])
      for (const b of startIds.get(then) ?? []) edges.push({ first: a, then: b });
    for (const a of stopIds.get(then) ?? [])
      for (const b of stopIds.get(first) ?? []) edges.push({ first: a, then: b });
    // A restart of `first` stops `then` before: handled by the next transition (then fails or is
    // stopped when first leaves).
  }
  // A start anywhere waits for every stop of the same primitive (never two copies at once).
  for (const [rsc, starts] of startIds) {
    for (const s of stopIds.get(rsc) ?? [])
      for (const b of starts)
        if (!edges.some((e) => e.first === s && e.then === b)) edges.push({ first: s, then: b });
  }
  return {
    graph: { id: input.transitionId, actions, edges: acyclic(actions, edges) },
    placements,
    notes,
  };
}

function threshold(p: PrimitiveDef, top: ResourceDef): number {
  const v = p.meta['migration-threshold'] ?? top.meta['migration-threshold'];
  if (v === undefined) return INFINITY;
  const n = v.toUpperCase() === 'INFINITY' ? INFINITY : Number(v);
  return Number.isFinite(n) && n > 0 ? n : INFINITY;
}

function addScore(a: number, b: number): number {
  if (a <= -INFINITY || b <= -INFINITY) return -INFINITY;
  return Math.min(INFINITY, a + b);
}

/** Primitive ids a constraint's resource id stands for. */
function expand(resources: readonly ResourceDef[], id: string): string[] {
  for (const r of resources) {
    if (r.id === id)
      return r.kind === 'group'
        ? r.members.map((m) => m.id)
        : r.kind === 'clone'
          ? [r.child.id]
          : [r.id];
    if (r.kind === 'group' && r.members.some((m) => m.id === id)) return [id];
    if (r.kind === 'clone' && r.child.id === id) return [id];
  }
  return [];
}

/** Top-level resources ordered so colocation targets come before their dependents. */
function colocationOrder(
  resources: readonly ResourceDef[],
  constraints: Cib['config']['constraints'],
): ResourceDef[] {
  const out: ResourceDef[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const byId = new Map(resources.map((r) => [r.id, r]));
  const visit = (r: ResourceDef): void => {
    if (done.has(r.id) || visiting.has(r.id)) return;
    visiting.add(r.id);
    for (const c of constraints) {
      if (c.kind === 'colocation' && c.rsc === r.id) {
        const t = byId.get(c.withRsc);
        if (t) visit(t);
      }
    }
    visiting.delete(r.id);
    done.add(r.id);
    out.push(r);
  };
  for (const r of resources) visit(r);
  return out;
}

/** Drops edges that would close a cycle (conflicting order constraints), keeping the first ones. */
function acyclic(actions: readonly ClusterAction[], edges: readonly GraphEdge[]): GraphEdge[] {
  const succ = new Map<number, Set<number>>(actions.map((a) => [a.id, new Set<number>()]));
  const reaches = (from: number, to: number): boolean => {
    const stack = [from];
    const seen = new Set<number>();
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x === to) return true;
      if (seen.has(x)) continue;
      seen.add(x);
      for (const y of succ.get(x) ?? []) stack.push(y);
    }
    return false;
  };
  const out: GraphEdge[] = [];
  for (const e of edges) {
    if (succ.get(e.first)?.has(e.then)) continue;
    if (reaches(e.then, e.first)) continue;
    succ.get(e.first)?.add(e.then);
    out.push(e);
  }
  return out;
}
