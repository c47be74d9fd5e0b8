import { VigilError } from '@vigil/base';
import {
  MAX_CONSTRAINTS,
  MAX_FAILURES,
  MAX_HISTORY,
  MAX_RESOURCES,
  allIds,
  checkId,
  findResource,
  type Cib,
  type CibConfig,
  type Constraint,
  type NodeState,
  type OpRecord,
  type PrimitiveDef,
  type ResourceDef,
} from './model.js';
import {
  OP_STATUS,
  cleanupHistory,
  clearFailcount,
  dropHistory,
  opOf,
  reconcileNode,
  recordOp,
} from './history.js';

/**
 * Changes to the CIB: every configuration change is one entry, applied in log order on every
 * node. `applyEntry` is pure and total on valid input; invalid input throws VGL_E_* and changes
 * nothing (the caller keeps the old CIB).
 */
export type CibEntry =
  | { readonly op: 'rsc-create'; readonly def: ResourceDef }
  | { readonly op: 'rsc-delete'; readonly id: string }
  | { readonly op: 'group-add'; readonly group: string; readonly def: PrimitiveDef }
  | {
      readonly op: 'rsc-update';
      readonly id: string;
      readonly params: Readonly<Record<string, string>>;
      readonly meta: Readonly<Record<string, string | null>>;
    }
  | { readonly op: 'constraint-add'; readonly constraint: Constraint }
  | { readonly op: 'constraint-remove'; readonly id: string }
  | {
      readonly op: 'node-set';
      readonly node: string;
      readonly standby?: boolean;
      readonly maintenance?: boolean;
    }
  | { readonly op: 'property-set'; readonly name: string; readonly value: string | null }
  | { readonly op: 'config-replace'; readonly config: CibConfig }
  // Status section, written by the DC.
  | { readonly op: 'cleanup'; readonly rsc: string; readonly node?: string }
  | { readonly op: 'failcount-clear'; readonly rsc: string; readonly node: string }
  | {
      readonly op: 'op-result';
      readonly node: string;
      readonly rsc: string;
      readonly rec: OpRecord;
      /** A failed operation counts against migration-threshold. */
      readonly countFailure: boolean;
      /** The failure bans the node (failcount INFINITY), like a failed start. */
      readonly fatal?: boolean;
      /** The graph action's `ACTION:TRANSITION:TARGET_RC:DC`, recorded with the result. */
      readonly transitionKey?: string;
    }
  | {
      readonly op: 'node-state';
      readonly node: string;
      readonly state: NodeState;
      readonly fenced?: boolean;
    }
  | {
      /**
       * A node attribute (crm_attribute, attrd_updater): `reboot` ones live in the status
       * section and vanish when the node leaves; `forever` and `utilization` ones in the nodes
       * section. `value: null` deletes it.
       */
      readonly op: 'node-attr';
      readonly node: string;
      readonly name: string;
      readonly value: string | null;
      readonly scope: 'reboot' | 'forever' | 'utilization';
    }
  | {
      readonly op: 'node-lrm';
      readonly node: string;
      readonly ops: Readonly<Record<string, OpRecord>>;
    };

export interface EntryMeta {
  readonly who: string;
  readonly wallMs: number;
  readonly term: number;
}

export function isConfigEntry(e: CibEntry): boolean {
  if (e.op === 'node-attr') return e.scope !== 'reboot';
  return !['op-result', 'node-state', 'node-lrm', 'cleanup', 'failcount-clear'].includes(e.op);
}

/** Most attributes one node may carry in one scope. */
export const MAX_NODE_ATTRIBUTES = 256;
const ATTR_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;
const MAX_ATTR_VALUE_CHARS = 4096;

function setAttr(
  attrs: Readonly<Record<string, string>> | undefined,
  name: string,
  value: string | null,
): Record<string, string> {
  const next = Object.fromEntries(Object.entries(attrs ?? {}).filter(([k]) => k !== name));
  if (value !== null) next[name] = value;
  if (Object.keys(next).length > MAX_NODE_ATTRIBUTES)
    throw new VigilError('VGL_E_LIMIT', `at most ${MAX_NODE_ATTRIBUTES} attributes per node`);
  return next;
}

export function applyEntry(cib: Cib, e: CibEntry, meta: EntryMeta): Cib {
  const cfg = cib.config;
  let config: CibConfig = cfg;
  let status = cib.status;
  let what = '';
  switch (e.op) {
    case 'rsc-create': {
      checkDef(e.def);
      const ids = allIds(cfg);
      const mine = defIds(e.def);
      for (const id of mine)
        if (ids.has(id)) throw new VigilError('VGL_E_EXISTS', `resource '${id}' exists already`);
      if (new Set(mine).size !== mine.length)
        throw new VigilError('VGL_E_INVALID_INPUT', `resource '${e.def.id}' repeats an id inside`);
      if (cfg.resources.length >= MAX_RESOURCES)
        throw new VigilError('VGL_E_LIMIT', `at most ${MAX_RESOURCES} resources`);
      config = { ...cfg, resources: [...cfg.resources, e.def] };
      what = `create ${e.def.kind} ${e.def.id}${e.def.kind === 'primitive' ? ` (${agentName(e.def)})` : ''}`;
      break;
    }
    case 'group-add': {
      checkDef(e.def);
      const g = cfg.resources.find((r) => r.id === e.group);
      if (g?.kind !== 'group') throw new VigilError('VGL_E_NOT_FOUND', `no group '${e.group}'`);
      if (allIds(cfg).has(e.def.id))
        throw new VigilError('VGL_E_EXISTS', `resource '${e.def.id}' exists already`);
      config = {
        ...cfg,
        resources: cfg.resources.map((r) =>
          r === g ? { ...g, members: [...g.members, e.def] } : r,
        ),
      };
      what = `add ${e.def.id} (${agentName(e.def)}) to group ${e.group}`;
      break;
    }
    case 'rsc-delete': {
      if (!cfg.resources.some((r) => r.id === e.id))
        throw new VigilError('VGL_E_NOT_FOUND', `no top-level resource '${e.id}'`);
      const gone = new Set(defIds(cfg.resources.find((r) => r.id === e.id)!));
      config = {
        ...cfg,
        resources: cfg.resources.filter((r) => r.id !== e.id),
        constraints: cfg.constraints.filter((c) => !constraintRefs(c).some((x) => gone.has(x))),
      };
      status = dropHistory(status, gone);
      what = `delete resource ${e.id}`;
      break;
    }
    case 'rsc-update': {
      const r = findResource(cfg, e.id);
      if (!r) throw new VigilError('VGL_E_NOT_FOUND', `no resource '${e.id}'`);
      const meta2 = Object.fromEntries(
        Object.entries({ ...r.meta, ...e.meta }).filter(
          (kv): kv is [string, string] => kv[1] !== null,
        ),
      );
      if (Object.keys(e.params).length > 0 && r.kind !== 'primitive')
        throw new VigilError(
          'VGL_E_INVALID_INPUT',
          `'${e.id}' is a ${r.kind}: only primitives take parameters`,
        );
      const updated: ResourceDef =
        r.kind === 'primitive'
          ? { ...r, params: { ...r.params, ...e.params }, meta: meta2 }
          : { ...r, meta: meta2 };
      config = { ...cfg, resources: cfg.resources.map((x) => replaceDef(x, updated)) };
      const parts = [
        ...Object.entries(e.params).map(([k, v]) => `${k}=${v}`),
        ...Object.entries(e.meta).map(([k, v]) =>
          v === null ? `meta ${k} removed` : `meta ${k}=${v}`,
        ),
      ];
      what = `update ${e.id}: ${parts.join(', ')}`;
      break;
    }
    case 'constraint-add': {
      const c = e.constraint;
      checkId(c.id, 'constraint id');
      if (cfg.constraints.length >= MAX_CONSTRAINTS)
        throw new VigilError('VGL_E_LIMIT', `at most ${MAX_CONSTRAINTS} constraints`);
      const ids = allIds(cfg);
      for (const ref of constraintRefs(c))
        if (!ids.has(ref))
          throw new VigilError('VGL_E_NOT_FOUND', `constraint ${c.id}: no resource '${ref}'`);
      const others = cfg.constraints.filter((x) => x.id !== c.id);
      if (others.length === cfg.constraints.length && cfg.constraints.some((x) => x.id === c.id))
        throw new VigilError('VGL_E_EXISTS', `constraint '${c.id}' exists already`);
      // Replacing a constraint with the same id is how move/ban update theirs.
      config = { ...cfg, constraints: [...others, c] };
      what = `constraint ${describeConstraint(c)}`;
      break;
    }
    case 'constraint-remove': {
      if (!cfg.constraints.some((c) => c.id === e.id))
        throw new VigilError('VGL_E_NOT_FOUND', `no constraint '${e.id}'`);
      config = { ...cfg, constraints: cfg.constraints.filter((c) => c.id !== e.id) };
      what = `remove constraint ${e.id}`;
      break;
    }
    case 'node-set': {
      const prev = cfg.nodes[e.node] ?? { standby: false, maintenance: false };
      const next = {
        ...prev,
        standby: e.standby ?? prev.standby,
        maintenance: e.maintenance ?? prev.maintenance,
      };
      config = { ...cfg, nodes: { ...cfg.nodes, [e.node]: next } };
      what =
        `node ${e.node}: ${e.standby !== undefined ? (e.standby ? 'standby' : 'online') : ''}${e.maintenance !== undefined ? ` maintenance=${e.maintenance}` : ''}`.trim();
      break;
    }
    case 'property-set': {
      const props = Object.fromEntries(
        Object.entries({ ...cfg.properties, [e.name]: e.value }).filter(
          (kv): kv is [string, string] => kv[1] !== null,
        ),
      );
      config = { ...cfg, properties: props };
      what = e.value === null ? `property ${e.name} removed` : `property ${e.name}=${e.value}`;
      break;
    }
    case 'config-replace': {
      for (const r of e.config.resources) checkDef(r);
      config = e.config;
      what = `replace configuration (${e.config.resources.length} resources, ${e.config.constraints.length} constraints)`;
      break;
    }
    case 'cleanup': {
      const ops: Record<string, Record<string, OpRecord>> = {};
      const fcs: Record<string, Record<string, number>> = {};
      const ids = new Set(
        cfg.resources.some((r) => r.id === e.rsc)
          ? defIds(cfg.resources.find((r) => r.id === e.rsc)!)
          : [e.rsc],
      );
      for (const [n, m] of Object.entries(status.ops)) {
        ops[n] = {};
        for (const [r, rec] of Object.entries(m)) {
          if (ids.has(r) && (e.node === undefined || e.node === n) && rec.failed) {
            // Forget the failed result: the next probe learns the truth.
            continue;
          }
          ops[n][r] = rec;
        }
      }
      for (const [n, m] of Object.entries(status.failcounts)) {
        fcs[n] = {};
        for (const [r, c] of Object.entries(m))
          if (!(ids.has(r) && (e.node === undefined || e.node === n))) fcs[n][r] = c;
      }
      status = {
        ...cleanupHistory(status, ids, e.node),
        ops,
        failcounts: fcs,
        failures: status.failures.filter(
          (f) => !(ids.has(f.rsc) && (e.node === undefined || e.node === f.node)),
        ),
      };
      what = `cleanup ${e.rsc}${e.node ? ` on ${e.node}` : ''}`;
      break;
    }
    case 'op-result': {
      const nodeOps = { ...(status.ops[e.node] ?? {}), [e.rsc]: e.rec };
      let failcounts = status.failcounts;
      let failures = status.failures;
      if (e.countFailure) {
        const fc = { ...(status.failcounts[e.node] ?? {}) };
        fc[e.rsc] = e.fatal ? 1_000_000 : Math.min(1_000_000, (fc[e.rsc] ?? 0) + 1);
        failcounts = { ...failcounts, [e.node]: fc };
        failures = [
          ...failures,
          {
            node: e.node,
            rsc: e.rsc,
            op: e.rec.op,
            rc: e.rec.rc,
            wallMs: e.rec.wallMs,
            reason: e.rec.reason,
          },
        ].slice(-MAX_FAILURES);
      }
      // A cancelled monitor changes the history only: the last result stays what it was.
      const { operation } = opOf(e.rec);
      const cancel = operation === 'cancel' || e.rec.opStatus === OP_STATUS.cancelled;
      status = recordOp(status, cfg, {
        node: e.node,
        rsc: e.rsc,
        rec: e.rec,
        countFailure: e.countFailure,
        ...(e.fatal === true ? { fatal: true } : {}),
        ...(e.transitionKey === undefined ? {} : { transitionKey: e.transitionKey }),
      });
      if (!cancel)
        status = { ...status, ops: { ...status.ops, [e.node]: nodeOps }, failcounts, failures };
      break;
    }
    case 'node-state': {
      const prev = status.nodes[e.node];
      const ns = {
        state: e.state,
        sinceWallMs: meta.wallMs,
        // Transient (reboot) attributes do not outlive the node's membership.
        attributes: e.state === 'member' ? (prev?.attributes ?? {}) : {},
        ...(e.fenced
          ? { fencedAtWallMs: meta.wallMs }
          : prev?.fencedAtWallMs !== undefined
            ? { fencedAtWallMs: prev.fencedAtWallMs }
            : {}),
      };
      // A fenced node runs nothing: its operation history is void.
      const fenced = e.state === 'fenced';
      const ops = fenced ? { ...status.ops, [e.node]: {} } : status.ops;
      const lrm = fenced ? { ...status.lrm, [e.node]: {} } : status.lrm;
      status = {
        ...status,
        nodes: { ...status.nodes, [e.node]: ns },
        ops,
        ...(lrm === undefined ? {} : { lrm }),
      };
      break;
    }
    case 'failcount-clear': {
      status = clearFailcount(status, e.node, e.rsc);
      break;
    }
    case 'node-attr': {
      if (!ATTR_NAME_RE.test(e.name))
        throw new VigilError('VGL_E_INVALID_INPUT', `'${e.name}' is not a valid attribute name`);
      if (
        e.value !== null &&
        (typeof e.value !== 'string' || e.value.length > MAX_ATTR_VALUE_CHARS)
      )
        throw new VigilError(
          'VGL_E_INVALID_INPUT',
          `attribute ${e.name}: the value must be a string of at most ${MAX_ATTR_VALUE_CHARS} characters`,
        );
      if (e.scope === 'reboot') {
        const prev = status.nodes[e.node] ?? {
          state: 'pending' as const,
          sinceWallMs: meta.wallMs,
          attributes: {},
        };
        status = {
          ...status,
          nodes: {
            ...status.nodes,
            [e.node]: { ...prev, attributes: setAttr(prev.attributes, e.name, e.value) },
          },
        };
      } else {
        const prev = cfg.nodes[e.node] ?? { standby: false, maintenance: false };
        const next =
          e.scope === 'forever'
            ? { ...prev, attributes: setAttr(prev.attributes, e.name, e.value) }
            : { ...prev, utilization: setAttr(prev.utilization, e.name, e.value) };
        config = { ...cfg, nodes: { ...cfg.nodes, [e.node]: next } };
        what = `node ${e.node}: ${e.scope === 'forever' ? 'attribute' : 'utilization'} ${e.name}${e.value === null ? ' removed' : `=${e.value}`}`;
      }
      break;
    }
    case 'node-lrm': {
      status = reconcileNode(status, cfg, e.node, e.ops);
      status = { ...status, ops: { ...status.ops, [e.node]: { ...e.ops } } };
      break;
    }
  }
  const cfgChange = isConfigEntry(e);
  return {
    term: meta.term,
    version: cib.version + 1,
    configVersion: cib.configVersion + (cfgChange ? 1 : 0),
    config,
    status,
    history:
      cfgChange || e.op === 'cleanup'
        ? [
            ...cib.history,
            { version: cib.version + 1, wallMs: meta.wallMs, who: meta.who, what },
          ].slice(-MAX_HISTORY)
        : cib.history,
  };
}

export function agentName(p: { class: string; provider: string; type: string }): string {
  return p.class === 'ocf' ? `ocf:${p.provider}:${p.type}` : `${p.class}:${p.type}`;
}

export function describeConstraint(c: Constraint): string {
  switch (c.kind) {
    case 'location':
      return `${c.id}: location ${c.rsc} on ${c.node} score ${c.score >= 1_000_000 ? 'INFINITY' : c.score <= -1_000_000 ? '-INFINITY' : c.score}`;
    case 'colocation':
      return `${c.id}: colocation ${c.rsc} with ${c.withRsc} score ${c.score >= 1_000_000 ? 'INFINITY' : c.score <= -1_000_000 ? '-INFINITY' : c.score}`;
    case 'order':
      return `${c.id}: order ${c.first} then ${c.then}`;
  }
}

function constraintRefs(c: Constraint): string[] {
  switch (c.kind) {
    case 'location':
      return [c.rsc];
    case 'colocation':
      return [c.rsc, c.withRsc];
    case 'order':
      return [c.first, c.then];
  }
}

function defIds(r: ResourceDef): string[] {
  if (r.kind === 'group') return [r.id, ...r.members.map((m) => m.id)];
  if (r.kind === 'clone') return [r.id, r.child.id];
  return [r.id];
}

function replaceDef(top: ResourceDef, d: ResourceDef): ResourceDef {
  if (top.id === d.id) return d;
  if (top.kind === 'group' && d.kind === 'primitive')
    return { ...top, members: top.members.map((m) => (m.id === d.id ? d : m)) };
  if (top.kind === 'clone' && d.kind === 'primitive' && top.child.id === d.id)
    return { ...top, child: d };
  return top;
}

function checkDef(r: ResourceDef): void {
  checkId(r.id, 'resource id');
  if (r.kind === 'primitive') {
    if (!['ocf', 'lsb', 'systemd', 'service'].includes(r.class))
      throw new VigilError(
        'VGL_E_INVALID_INPUT',
        `resource ${r.id}: unknown class '${r.class}' (ocf, lsb, systemd)`,
      );
    if (
      !/^[A-Za-z0-9_.@-]+$/.test(r.type) ||
      (r.class === 'ocf' && !/^[A-Za-z0-9_.-]+$/.test(r.provider))
    )
      throw new VigilError('VGL_E_INVALID_INPUT', `resource ${r.id}: bad agent '${agentName(r)}'`);
    for (const k of Object.keys(r.params))
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
        throw new VigilError('VGL_E_INVALID_INPUT', `resource ${r.id}: bad parameter name '${k}'`);
    for (const o of r.ops)
      if (!(o.intervalMs >= 0 && o.timeoutMs > 0))
        throw new VigilError('VGL_E_INVALID_INPUT', `resource ${r.id}: bad ${o.name} operation`);
  } else if (r.kind === 'group') {
    if (r.members.length === 0)
      throw new VigilError('VGL_E_INVALID_INPUT', `group ${r.id} has no members`);
    r.members.forEach(checkDef);
  } else checkDef(r.child);
}
