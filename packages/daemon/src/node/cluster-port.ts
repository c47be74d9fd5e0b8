import { VigilError } from '@vigil/base';
import {
  baseResourceId,
  type AttrRef,
  type ClusterNode,
  type ClusterQueryPort,
  type ResourceRecord,
  type ResourceSection,
  type ResourceView,
} from '@vigil/executor';
import {
  agentName,
  findResource,
  nodeSettings,
  primitives,
  properties,
  utilizationOf,
  type Cib,
  type CibEntry,
} from '@vigil/controller';

/**
 * The cluster port the agents' `crm_*` commands use on a vigild node, backed by the replicated
 * CIB: reads come from this node's copy, writes are CIB changes proposed through the DC (so they
 * are visible on every node once committed, and a write fails without quorum).
 *
 * - `reboot` node attributes go to the CIB status section (`node-attr`), `forever` and
 *   `utilization` ones to the nodes section; `private` ones (attrd_updater -p) never reach the
 *   CIB and stay in this node's memory, like attrd's.
 * - Cluster options are the CIB's properties; resource parameters and meta attributes are
 *   changed with `rsc-update`.
 * - `recordResource` does nothing: the DC records every operation's result itself.
 */
export interface CibPortHost {
  readonly self: string;
  /** Configured node names, in configuration order (their position + 1 is the node id). */
  nodeNames(): readonly string[];
  members(): readonly string[];
  quorate(): boolean;
  cib(): Cib;
  /** Proposes a change through the DC; resolves once committed. */
  change(entry: CibEntry, who: string): Promise<unknown>;
}

const MAX_PRIVATE_ATTRIBUTES = 1024;
const WHO = 'agent (crm_attribute)';

export class CibClusterPort implements ClusterQueryPort {
  private readonly privateAttrs = new Map<string, string>();

  constructor(private readonly h: CibPortHost) {}

  private node(name: string): ClusterNode {
    const i = this.h.nodeNames().indexOf(name);
    return { id: i + 1, name, member: this.h.members().includes(name) };
  }

  private known(name: string): void {
    if (!this.h.nodeNames().includes(name))
      throw new VigilError('VGL_E_NOT_FOUND', `no node named '${name}' in this cluster`);
  }

  localNode(): Promise<ClusterNode> {
    return Promise.resolve(this.node(this.h.self));
  }

  nodes(): Promise<readonly ClusterNode[]> {
    return Promise.resolve(this.h.nodeNames().map((n) => this.node(n)));
  }

  hasQuorum(): Promise<boolean> {
    return Promise.resolve(this.h.quorate());
  }

  getAttribute(a: AttrRef): Promise<string | undefined> {
    const cib = this.h.cib();
    switch (a.scope) {
      case 'reboot':
        return Promise.resolve(cib.status.nodes[a.node]?.attributes[a.name]);
      case 'forever':
        return Promise.resolve(nodeSettings(cib.config, a.node).attributes[a.name]);
      case 'utilization':
        return Promise.resolve(nodeSettings(cib.config, a.node).utilization[a.name]);
      case 'private':
        return Promise.resolve(this.privateAttrs.get(`${a.node}\0${a.name}`));
    }
  }

  async setAttribute(a: AttrRef, value: string): Promise<void> {
    await this.write(a, value);
  }

  async deleteAttribute(a: AttrRef): Promise<void> {
    await this.write(a, null);
  }

  private async write(a: AttrRef, value: string | null): Promise<void> {
    this.known(a.node);
    if (a.scope === 'private') {
      const k = `${a.node}\0${a.name}`;
      if (value === null) this.privateAttrs.delete(k);
      else {
        if (!this.privateAttrs.has(k) && this.privateAttrs.size >= MAX_PRIVATE_ATTRIBUTES)
          throw new VigilError(
            'VGL_E_LIMIT',
            `at most ${MAX_PRIVATE_ATTRIBUTES} private attributes`,
          );
        this.privateAttrs.set(k, value);
      }
      return;
    }
    if ((await this.getAttribute(a)) === (value ?? undefined)) return; // nothing to change
    await this.h.change(
      { op: 'node-attr', node: a.node, name: a.name, value, scope: a.scope },
      `${WHO} on ${this.h.self}`,
    );
  }

  clusterOption(name: string): Promise<string | undefined> {
    return Promise.resolve(properties(this.h.cib().config)[name]);
  }

  async setClusterOption(name: string, value: string | undefined): Promise<void> {
    if (properties(this.h.cib().config)[name] === value) return;
    await this.h.change(
      { op: 'property-set', name, value: value ?? null },
      `${WHO} on ${this.h.self}`,
    );
  }

  resource(id: string): Promise<ResourceView | undefined> {
    const cib = this.h.cib();
    const base = baseResourceId(id);
    const found = findResource(cib.config, base);
    if (!found) return Promise.resolve(undefined);
    const r = found.res;
    // The primitive that runs it: itself, or a clone's only primitive.
    const inner = r.kind === 'clone' && r.child.kind === 'primitive' ? r.child.id : r.id;
    const resolved = primitives(cib.config).find((p) => p.prim.id === inner);
    const prim = resolved?.prim;
    const runningOn: string[] = [];
    const promotedOn: string[] = [];
    const ids = new Set([base, ...(prim ? [prim.id] : [])]);
    for (const [node, ops] of Object.entries(cib.status.ops)) {
      for (const [rid, rec] of Object.entries(ops)) {
        if (!ids.has(baseResourceId(rid)) || !rec.active || rec.failed) continue;
        if (!runningOn.includes(node)) runningOn.push(node);
        if ((rec.rc === 8 || rec.task === 'promote') && !promotedOn.includes(node))
          promotedOn.push(node);
      }
    }
    return Promise.resolve({
      id: base,
      agent: prim ? agentName(prim) : '',
      params: prim?.params ?? {},
      meta: prim?.id === base ? prim.meta : (resolved?.top.meta ?? {}),
      utilization: prim ? utilizationOf(cib.config, prim.id) : {},
      runningOn,
      promotedOn,
    });
  }

  async setResourceAttribute(
    id: string,
    section: ResourceSection,
    name: string,
    value: string | undefined,
  ): Promise<void> {
    const base = baseResourceId(id);
    if (!findResource(this.h.cib().config, base))
      throw new VigilError('VGL_E_NOT_FOUND', `no resource '${base}'`);
    const v = { [name]: value ?? null };
    const entry: CibEntry =
      section === 'meta'
        ? { op: 'rsc-update', id: base, params: {}, meta: v }
        : section === 'params'
          ? { op: 'rsc-update', id: base, params: v, meta: {} }
          : { op: 'rsc-update', id: base, params: {}, meta: {}, utilization: v };
    await this.h.change(entry, `${WHO} on ${this.h.self}`);
  }

  recordResource(_r: ResourceRecord): Promise<void> {
    return Promise.resolve();
  }
}
