import type { Cib as PcmkCib, LrmResource, NodeState as PcmkNodeState, NvSet } from '@vigil/cib';
import {
  BOOTSTRAP_SET_ID,
  asPcmkCib,
  dropReferences,
  resolvePrimitive,
  stonithResources,
} from './config-model.js';
import type { Cib, CibConfig } from './model.js';

/**
 * The replicated CIB as the scheduler reads it: a `@vigil/cib` model with vigild's configuration
 * and a Pacemaker status section (node_state, transient attributes with failcounts, lrm_rsc_op
 * history), plus what only the DC knows (membership, quorum, the DC itself).
 *
 * Node states, as Pacemaker writes them:
 * - a live member: in_ccm=true crmd=online join=member expected=member (online);
 * - lost (silent past deadtime, or recorded as a member the DC no longer hears): in_ccm=false,
 *   expected=member: unclean, so the scheduler fences it before recovering its resources. Without
 *   fencing (`stonith-enabled=false`) a lost node is written as cleanly down: the majority
 *   recovers at once (the loud warning at start-up says what that risks);
 * - fenced, or never seen since the cluster was created: expected=down, cleanly offline. (vigild
 *   does not fence nodes it has never seen, unlike Pacemaker's startup-fencing.)
 */
export interface ClusterView {
  /** Nodes that may run resources (witnesses excluded), in configuration order. */
  readonly nodes: readonly string[];
  readonly online: ReadonlySet<string>;
  readonly quorate: boolean;
  /** Effective: the daemon's configuration and the `stonith-enabled` property agree to fence. */
  readonly stonithEnabled: boolean;
  /**
   * Whether the DC's fencer has devices (the cluster file's and the CIB's stonith primitives; it
   * runs them itself, they are not resources the scheduler places). The scheduler is told through
   * `have-watchdog`, which it counts as a way to fence: with fencing enabled and no way to fence
   * it starts nothing.
   */
  readonly canFence: boolean;
  /** From the daemon's configuration; a `no-quorum-policy` property overrides it. */
  readonly noQuorumPolicy: string;
  readonly dc: string | undefined;
  /**
   * The DC fencer's devices. vigild's DC fences through its own fencer (`AgentFencer`, built
   * from the YAML and the CIB's stonith primitives), not through stonith resources the scheduler
   * places, so the scheduler is told that fencing is available the way Pacemaker tells it about a
   * watchdog (`have-watchdog`); with none, a cluster with fencing enabled changes nothing, as
   * Pacemaker's.
   */
  readonly fenceDevices?: readonly string[];
}

/**
 * The configuration as the scheduler sees it: fence devices (class stonith) are left out, since
 * the DC's fencer runs them (see cib-fencing.ts), and so are the constraints on them.
 */
function withoutFenceDevices(config: CibConfig): CibConfig {
  const fence = stonithResources(config);
  if (fence.size === 0) return config;
  return dropReferences(
    { ...config, resources: config.resources.filter((r) => !fence.has(r.id)) },
    fence,
  );
}

export function schedulerCib(state: Cib, view: ClusterView): PcmkCib {
  const config = withoutFenceDevices(state.config);
  const cib = asPcmkCib(config, state.configVersion);
  const forced: Record<string, string> = {
    'stonith-enabled': view.stonithEnabled ? 'true' : 'false',
    ...(view.canFence ? { 'have-watchdog': 'true' } : {}),
  };
  const nv = (id: string, m: Record<string, string>): NvSet[] =>
    Object.keys(m).length === 0
      ? []
      : [
          {
            id,
            rules: [],
            nvpairs: Object.entries(m).map(([name, value]) => ({
              id: `${id}-${name}`,
              name,
              value,
            })),
          },
        ];
  // Properties: what the daemon decides (fencing) first, in the set evaluated first; the
  // configured sets as they are; the daemon's defaults last (lowest score).
  const bootstrap = config.crmConfig.find((x) => x.id === BOOTSTRAP_SET_ID);
  const crmConfig: NvSet[] = [
    {
      ...(bootstrap ?? { rules: [] }),
      id: BOOTSTRAP_SET_ID,
      nvpairs: [
        ...Object.entries(forced).map(([name, value]) => ({
          id: `vigil-forced-${name}`,
          name,
          value,
        })),
        ...(bootstrap?.nvpairs ?? []).filter((p) => p.name === undefined || !(p.name in forced)),
      ],
    },
    ...config.crmConfig
      .filter((x) => x !== bootstrap)
      .map((x) => ({
        ...x,
        nvpairs: x.nvpairs.filter((p) => p.name === undefined || !(p.name in forced)),
      })),
    {
      id: 'vigil-defaults',
      score: '-INFINITY',
      rules: [],
      nvpairs: [
        {
          id: 'vigil-defaults-no-quorum-policy',
          name: 'no-quorum-policy',
          value: view.noQuorumPolicy,
        },
      ],
    },
  ];
  const nodeStates: PcmkNodeState[] = [];
  for (const n of view.nodes) {
    const st = state.status.nodes[n];
    const online = view.online.has(n);
    const lost = !online && (st?.state === 'member' || st?.state === 'lost');
    const flags = online
      ? { inCcm: 'true', crmd: 'online', join: 'member', expected: 'member' }
      : lost && view.stonithEnabled
        ? { inCcm: 'false', crmd: 'offline', join: 'down', expected: 'member' }
        : { inCcm: 'false', crmd: 'offline', join: 'down', expected: 'down' };
    const resources: LrmResource[] = [];
    for (const [rsc, ops] of Object.entries(state.status.lrm?.[n] ?? {})) {
      const base = rsc.replace(/:\d+$/, '');
      const d = resolvePrimitive(state.config, base) ?? state.status.orphans?.[base];
      resources.push({
        id: rsc,
        ...(d !== undefined
          ? { class: d.class, ...(d.class === 'ocf' ? { provider: d.provider } : {}), type: d.type }
          : {}),
        ops: [...ops].sort((a, b) => a.callId - b.callId),
      });
    }
    const attrs = st?.attributes ?? {};
    nodeStates.push({
      id: n,
      uname: n,
      ...flags,
      ...(Object.keys(attrs).length > 0
        ? { transientAttributes: { id: n, sets: nv(`status-${n}`, { ...attrs }) } }
        : {}),
      lrm: { id: n, resources },
    });
  }
  return {
    ...cib,
    attributes: {
      ...cib.attributes,
      numUpdates: state.version,
      haveQuorum: view.quorate ? '1' : '0',
      ...(view.dc === undefined ? {} : { dcUuid: view.dc }),
    },
    configuration: {
      ...cib.configuration,
      crmConfig,
      nodes: view.nodes.map((n) => {
        const c = config.nodes.find((x) => x.uname === n);
        return c === undefined
          ? { id: n, uname: n, instanceAttributes: [], utilization: [] }
          : { ...c, id: n, uname: n };
      }),
    },
    status: { nodeStates },
    statusAbsent: false,
  };
}
