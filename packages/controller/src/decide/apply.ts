import { VigilError } from '@vigil/base';
import type { Resource } from '@vigil/cib';
import {
  MAX_CONSTRAINTS,
  MAX_FAILURES,
  MAX_FENCE_RECORDS,
  MAX_HISTORY,
  MAX_RESOURCES,
  checkId,
  fmtScore,
  type Cib,
  type CibConfig,
  type CibStatus,
  type Constraint,
  type FenceRecord,
  type NodeState,
  type OpRecord,
  type PrimitiveDef,
  type ResourceDef,
} from './model.js';
import {
  constraintModel,
  dropFencingDevices,
  dropReferences,
  findResource,
  idsUnder,
  isReferenceable,
  mapResource,
  nodeSettings,
  primitiveModel,
  primitives,
  resolvePrimitive,
  resourceModel,
  setNodeNv,
  setNv,
  setProperty,
  upgradeConfiguration,
  usedIds,
} from './config-model.js';
import { configFromCibXml } from './cib-xml.js';
import {
  OP_STATUS,
  activeInHistory,
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
      /** Instance attributes; `null` removes one. */
      readonly params: Readonly<Record<string, string | null>>;
      readonly meta: Readonly<Record<string, string | null>>;
      /** Utilization (a primitive's); `null` removes one. */
      readonly utilization?: Readonly<Record<string, string | null>>;
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
  | {
      /**
       * Replaces the configuration with a Pacemaker CIB's configuration section (`xml`, checked
       * as `vigil config import` checks it); `config` is the form older vigild wrote.
       */
      readonly op: 'config-replace';
      readonly xml?: string;
      readonly config?: unknown;
    }
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
  | { readonly op: 'fence-record'; readonly rec: FenceRecord }
  | {
      /** A fence device's monitor result changed (ok → failed or back). */
      readonly op: 'fence-device-state';
      readonly device: string;
      readonly ok: boolean;
      readonly reason: string;
      readonly dc: string;
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
  return ![
    'op-result',
    'node-state',
    'node-lrm',
    'cleanup',
    'failcount-clear',
    'fence-record',
    'fence-device-state',
  ].includes(e.op);
}

/** Most attributes one node may carry in one scope. */
export const MAX_NODE_ATTRIBUTES = 256;
const ATTR_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;
/** Node names, as the cluster file allows them. */
const NODE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Meta attribute, parameter and property names. */
const NV_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;
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
      checkDef(e.def, true);
      const ids = usedIds(cfg);
      const mine = defIds(e.def);
      for (const id of mine) if (ids.has(id)) throw idInUse(cfg, id);
      if (new Set(mine).size !== mine.length)
        throw new VigilError('VGL_E_INVALID_INPUT', `resource '${e.def.id}' repeats an id inside`);
      if (cfg.resources.length >= MAX_RESOURCES)
        throw new VigilError('VGL_E_LIMIT', `at most ${MAX_RESOURCES} resources`);
      config = {
        ...cfg,
        resources: [...cfg.resources, resourceModel(e.def, new Set(ids))],
      };
      what = `create ${e.def.kind} ${e.def.id}${e.def.kind === 'primitive' ? ` (${agentName(e.def)})` : ''}`;
      break;
    }
    case 'group-add': {
      checkDef(e.def);
      const g = cfg.resources.find((r) => r.id === e.group);
      if (g?.kind !== 'group') throw new VigilError('VGL_E_NOT_FOUND', `no group '${e.group}'`);
      const ids = usedIds(cfg);
      if (ids.has(e.def.id)) throw idInUse(cfg, e.def.id);
      const member = primitiveModel(e.def, new Set(ids));
      config = {
        ...cfg,
        resources: cfg.resources.map((r) =>
          r === g ? { ...g, children: [...g.children, member] } : r,
        ),
      };
      what = `add ${e.def.id} (${agentName(e.def)}) to group ${e.group}`;
      break;
    }
    case 'rsc-delete': {
      const top = cfg.resources.find((r) => r.id === e.id);
      if (!top) throw new VigilError('VGL_E_NOT_FOUND', `no top-level resource '${e.id}'`);
      const gone = new Set(idsUnder(top));
      config = dropFencingDevices(
        dropReferences({ ...cfg, resources: cfg.resources.filter((r) => r.id !== e.id) }, gone),
        gone,
      );
      status = orphaned(cfg, config, status);
      what = `delete resource ${e.id}`;
      break;
    }
    case 'rsc-update': {
      const found = findResource(cfg, e.id);
      if (!found) throw new VigilError('VGL_E_NOT_FOUND', `no resource '${e.id}'`);
      const r = found.res;
      const util = e.utilization ?? {};
      if (
        (Object.keys(e.params).length > 0 || Object.keys(util).length > 0) &&
        r.kind !== 'primitive'
      )
        throw new VigilError(
          'VGL_E_INVALID_INPUT',
          `'${e.id}' is a ${r.kind}: only primitives take parameters and utilization`,
        );
      for (const [k, v] of [
        ...Object.entries(e.params),
        ...Object.entries(e.meta),
        ...Object.entries(util),
      ]) {
        if (!NV_NAME_RE.test(k))
          throw new VigilError('VGL_E_INVALID_INPUT', `'${k}' is not a valid attribute name`);
        if (v !== null && (typeof v !== 'string' || v.length > MAX_ATTR_VALUE_CHARS))
          throw new VigilError(
            'VGL_E_INVALID_INPUT',
            `${e.id} ${k}: the value must be a string of at most ${MAX_ATTR_VALUE_CHARS} characters`,
          );
      }
      const taken = new Set(usedIds(cfg));
      config = mapResource(cfg, e.id, (x: Resource): Resource => {
        let metaSets = x.metaAttributes;
        for (const [k, v] of Object.entries(e.meta))
          metaSets = setNv(metaSets, k, v, `${x.id}-meta_attributes`, taken);
        let next: Resource = { ...x, metaAttributes: metaSets };
        if (next.kind === 'primitive') {
          let inst = next.instanceAttributes;
          for (const [k, v] of Object.entries(e.params))
            inst = setNv(inst, k, v, `${x.id}-instance_attributes`, taken);
          let utilization = next.utilization;
          for (const [k, v] of Object.entries(util))
            utilization = setNv(utilization, k, v, `${x.id}-utilization`, taken);
          next = { ...next, instanceAttributes: inst, utilization };
        }
        return next;
      });
      const parts = [
        ...Object.entries(e.params).map(([k, v]) => (v === null ? `${k} removed` : `${k}=${v}`)),
        ...Object.entries(util).map(([k, v]) =>
          v === null ? `utilization ${k} removed` : `utilization ${k}=${v}`,
        ),
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
      if (!['location', 'colocation', 'order'].includes(c.kind))
        throw new VigilError(
          'VGL_E_INVALID_INPUT',
          `constraint ${c.id}: unknown kind '${c.kind as string}'`,
        );
      const others = cfg.constraints.filter((x) => x.id !== c.id);
      if (others.length >= MAX_CONSTRAINTS)
        throw new VigilError('VGL_E_LIMIT', `at most ${MAX_CONSTRAINTS} constraints`);
      for (const ref of constraintRefs(c))
        if (!isReferenceable(cfg, ref))
          throw new VigilError('VGL_E_NOT_FOUND', `constraint ${c.id}: no resource '${ref}'`);
      if (others.length === cfg.constraints.length && usedIds(cfg).has(c.id))
        throw new VigilError('VGL_E_EXISTS', `id '${c.id}' is in use already`);
      // Replacing a constraint with the same id is how move/ban update theirs.
      config = { ...cfg, constraints: [...others, constraintModel(c)] };
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
      if (typeof e.node !== 'string' || !NODE_RE.test(e.node))
        throw new VigilError('VGL_E_INVALID_INPUT', `${JSON.stringify(e.node)} is not a node name`);
      if (e.standby !== undefined)
        config = setNodeNv(config, e.node, 'instance', 'standby', e.standby ? 'on' : null);
      if (e.maintenance !== undefined)
        config = setNodeNv(config, e.node, 'instance', 'maintenance', e.maintenance ? 'on' : null);
      what =
        `node ${e.node}: ${e.standby !== undefined ? (e.standby ? 'standby' : 'online') : ''}${e.maintenance !== undefined ? ` maintenance=${e.maintenance}` : ''}`.trim();
      break;
    }
    case 'property-set': {
      if (!NV_NAME_RE.test(e.name))
        throw new VigilError('VGL_E_INVALID_INPUT', `'${e.name}' is not a valid property name`);
      if (
        e.value !== null &&
        (typeof e.value !== 'string' || e.value.length > MAX_ATTR_VALUE_CHARS)
      )
        throw new VigilError(
          'VGL_E_INVALID_INPUT',
          `property ${e.name}: the value must be a string of at most ${MAX_ATTR_VALUE_CHARS} characters`,
        );
      config = setProperty(cfg, e.name, e.value);
      what = e.value === null ? `property ${e.name} removed` : `property ${e.name}=${e.value}`;
      break;
    }
    case 'config-replace': {
      if (typeof e.xml === 'string') config = configFromCibXml(e.xml).config;
      else if (typeof e.config === 'object' && e.config !== null)
        config = upgradeConfiguration(e.config);
      else throw new VigilError('VGL_E_INVALID_INPUT', 'config-replace needs the CIB XML (xml)');
      if (config.resources.length > MAX_RESOURCES)
        throw new VigilError('VGL_E_LIMIT', `at most ${MAX_RESOURCES} top-level resources`);
      if (config.constraints.length > MAX_CONSTRAINTS)
        throw new VigilError('VGL_E_LIMIT', `at most ${MAX_CONSTRAINTS} constraints`);
      status = orphaned(cfg, config, status);
      what = `replace configuration (${config.resources.length} resources, ${config.constraints.length} constraints)`;
      break;
    }
    case 'cleanup': {
      const ops: Record<string, Record<string, OpRecord>> = {};
      const fcs: Record<string, Record<string, number>> = {};
      const found = findResource(cfg, e.rsc);
      const ids = new Set(found ? idsUnder(found.res) : [e.rsc]);
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
      if (opOf(e.rec).operation === 'delete') {
        // The node forgot the resource (the scheduler's `delete` of an orphan): so does the CIB.
        status = forget(status, e.node, e.rsc);
        break;
      }
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
    case 'fence-record': {
      const rec = checkFenceRecord(e.rec);
      status = { ...status, fencing: [...(status.fencing ?? []), rec].slice(-MAX_FENCE_RECORDS) };
      break;
    }
    case 'fence-device-state': {
      deviceName(e.device);
      if (typeof e.ok !== 'boolean' || typeof e.reason !== 'string' || typeof e.dc !== 'string')
        throw new VigilError('VGL_E_INVALID_INPUT', 'fence-device-state needs ok, reason and dc');
      if (!NODE_RE.test(e.dc)) throw new VigilError('VGL_E_INVALID_INPUT', 'dc is not a node name');
      // Devices come from the cluster file too (not in the CIB): the map is bounded by dropping
      // the longest-unchanged entries.
      const all = Object.entries({
        ...status.fenceDevices,
        [e.device]: {
          ok: e.ok,
          reason: e.reason.slice(0, MAX_FENCE_TEXT_CHARS),
          sinceWallMs: meta.wallMs,
          dc: e.dc,
        },
      })
        .sort((a, b) => a[1].sinceWallMs - b[1].sinceWallMs)
        .slice(-MAX_FENCE_DEVICE_STATES);
      status = { ...status, fenceDevices: Object.fromEntries(all) };
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
        const prev = nodeSettings(cfg, e.node);
        // The limit, checked as for transient attributes.
        setAttr(e.scope === 'forever' ? prev.attributes : prev.utilization, e.name, e.value);
        config = setNodeNv(
          cfg,
          e.node,
          e.scope === 'forever' ? 'instance' : 'utilization',
          e.name,
          e.value,
        );
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

/** VGL_E_EXISTS for an id a new resource would take: a resource's, or another element's. */
function idInUse(cfg: CibConfig, id: string): VigilError {
  return new VigilError(
    'VGL_E_EXISTS',
    findResource(cfg, id)
      ? `resource '${id}' exists already`
      : `id '${id}' is used by another element of the configuration (ids are unique in a CIB)`,
  );
}

/**
 * The status after a configuration change from `before` to `after`: primitives that left the
 * configuration are forgotten where nothing runs them, and kept as orphans (their last
 * definition) where the history shows them active, for the scheduler to stop.
 */
function orphaned(before: CibConfig, after: CibConfig, status: CibStatus): CibStatus {
  const orphans = new Map(Object.entries(status.orphans ?? {}));
  const idle = new Set<string>();
  for (const { prim } of primitives(before)) {
    if (resolvePrimitive(after, prim.id) !== undefined) continue;
    if (activeSomewhere(status, prim.id)) orphans.set(prim.id, prim);
    else idle.add(prim.id);
  }
  for (const id of [...orphans.keys()])
    if (resolvePrimitive(after, id) !== undefined) orphans.delete(id);
  // Bounded: the oldest orphans' definitions go first (their stops then wait for a cleanup).
  const kept = [...orphans].slice(-MAX_RESOURCES);
  const { orphans: _, ...rest } = dropHistory(status, idle);
  return kept.length === 0 ? rest : { ...rest, orphans: Object.fromEntries(kept) };
}

function activeSomewhere(status: CibStatus, id: string): boolean {
  for (const m of Object.values(status.lrm ?? {}))
    for (const [r, ops] of Object.entries(m))
      if (r.replace(/:\d+$/, '') === id && activeInHistory(ops)) return true;
  return false;
}

/** A node's history of one resource instance, dropped; its orphan definition too once unused. */
function forget(status: CibStatus, node: string, rsc: string): CibStatus {
  const without = <T>(m: Readonly<Record<string, T>> | undefined): Record<string, T> =>
    Object.fromEntries(Object.entries(m ?? {}).filter(([r]) => r !== rsc));
  const lrm = { ...status.lrm, [node]: without(status.lrm?.[node]) };
  const ops = { ...status.ops, [node]: without(status.ops[node]) };
  const base = rsc.replace(/:\d+$/, '');
  const used = Object.values(lrm).some((m) =>
    Object.keys(m).some((r) => r.replace(/:\d+$/, '') === base),
  );
  const orphans = Object.fromEntries(
    Object.entries(status.orphans ?? {}).filter(([id]) => used || id !== base),
  );
  const { orphans: _, ...rest } = status;
  return {
    ...rest,
    lrm,
    ops,
    ...(Object.keys(orphans).length > 0 ? { orphans } : {}),
  };
}

export function agentName(p: { class: string; provider: string; type: string }): string {
  return p.class === 'ocf' ? `ocf:${p.provider}:${p.type}` : `${p.class}:${p.type}`;
}

export function describeConstraint(c: Constraint): string {
  switch (c.kind) {
    case 'location':
      return `${c.id}: location ${c.rsc} on ${c.node} score ${fmtScore(c.score)}`;
    case 'colocation':
      return `${c.id}: colocation ${c.rsc} with ${c.withRsc} score ${fmtScore(c.score)}`;
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

/** `top`: a top-level resource (only those may be fence devices, class stonith). */
function checkDef(r: ResourceDef, top = false): void {
  checkId(r.id, 'resource id');
  if (r.kind === 'primitive') {
    if (r.class === 'stonith' && !top)
      throw new VigilError(
        'VGL_E_INVALID_INPUT',
        `resource ${r.id}: a fence device (stonith) must be a top-level primitive, not in a group or clone`,
      );
    if (!['ocf', 'lsb', 'systemd', 'service', 'stonith'].includes(r.class))
      throw new VigilError(
        'VGL_E_INVALID_INPUT',
        `resource ${r.id}: unknown class '${r.class}' (ocf, lsb, systemd, service, stonith)`,
      );
    if (
      !/^[A-Za-z0-9_.@-]+$/.test(r.type) ||
      (r.class === 'ocf' && !/^[A-Za-z0-9_.-]+$/.test(r.provider))
    )
      throw new VigilError('VGL_E_INVALID_INPUT', `resource ${r.id}: bad agent '${agentName(r)}'`);
    for (const k of Object.keys(r.params))
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
        throw new VigilError('VGL_E_INVALID_INPUT', `resource ${r.id}: bad parameter name '${k}'`);
    // Entries come off the wire: the role is checked, whatever the type says.
    for (const o of r.ops)
      if (
        !(o.intervalMs >= 0 && o.timeoutMs > 0) ||
        ![undefined, 'Promoted', 'Unpromoted'].includes(o.role)
      )
        throw new VigilError('VGL_E_INVALID_INPUT', `resource ${r.id}: bad ${o.name} operation`);
    if (new Set(r.ops.map((o) => o.intervalMs)).size !== r.ops.length)
      throw new VigilError(
        'VGL_E_INVALID_INPUT',
        `resource ${r.id}: two monitors with the same interval (each role's needs its own)`,
      );
  } else if (r.kind === 'group') {
    if (r.members.length === 0)
      throw new VigilError('VGL_E_INVALID_INPUT', `group ${r.id} has no members`);
    for (const m of r.members) checkDef(m);
  } else checkDef(r.child);
}

/** Fence devices whose monitor result the status section keeps. */
const MAX_FENCE_DEVICE_STATES = 256;
/** Longest reason or why a fencing record keeps, in characters. */
const MAX_FENCE_TEXT_CHARS = 512;
/** Most device attempts a fencing record keeps (9 levels of a few devices, with retries). */
const MAX_FENCE_ATTEMPTS = 32;

/** A fence device id (the cluster file's or the CIB's): 1 to 128 printable characters. */
function deviceName(v: unknown): string {
  if (typeof v !== 'string' || !/^[\p{L}\p{N}\p{P}\p{S}]{1,128}$/u.test(v))
    throw new VigilError('VGL_E_INVALID_INPUT', `${JSON.stringify(v)} is not a fence device id`);
  return v;
}

/** A fencing record as it may enter the status section: checked, texts and lists bounded. */
function checkFenceRecord(input: unknown): FenceRecord {
  const bad = (what: string): never => {
    throw new VigilError('VGL_E_INVALID_INPUT', `fence-record: ${what}`);
  };
  if (typeof input !== 'object' || input === null) return bad('needs rec');
  const r = input as Record<string, unknown>;
  const text = (v: unknown): string =>
    (typeof v === 'string' ? v : '').slice(0, MAX_FENCE_TEXT_CHARS);
  const node = (v: unknown, what: string): string =>
    typeof v === 'string' && NODE_RE.test(v) ? v : bad(`${what} is not a node name`);
  const time = (v: unknown, what: string): number =>
    typeof v === 'number' && Number.isFinite(v) ? v : bad(`${what} is not a time`);
  const action = typeof r.action === 'string' ? r.action : '';
  if (!['off', 'on', 'reboot'].includes(action)) bad(`action '${action}'`);
  if (typeof r.ok !== 'boolean') bad('ok must be true or false');
  if (!Array.isArray(r.attempts) || !Array.isArray(r.devices)) bad('needs attempts and devices');
  const attempts = (r.attempts as unknown[]).slice(0, MAX_FENCE_ATTEMPTS).map((x) => {
    const a = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>;
    return {
      level: typeof a.level === 'number' && Number.isInteger(a.level) ? a.level : 0,
      device: deviceName(a.device),
      ok: a.ok === true,
      reason: text(a.reason),
    };
  });
  return {
    target: node(r.target, 'target'),
    action,
    ok: r.ok === true,
    reason: text(r.reason),
    devices: (r.devices as unknown[]).slice(0, MAX_FENCE_ATTEMPTS).map(deviceName),
    attempts,
    dc: node(r.dc, 'dc'),
    why: text(r.why),
    startedWallMs: time(r.startedWallMs, 'startedWallMs'),
    completedWallMs: time(r.completedWallMs, 'completedWallMs'),
  };
}
