import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';

/**
 * Where one node's agents find things. Several simulated nodes on one machine each need their
 * own state directories (HA_RSCTMP, HA_VARRUN, the attribute store), so nothing here is global.
 */
export interface AgentHost {
  /** This node's name, as `crm_node -n` reports it and CRM_meta_on_node carries it. */
  readonly nodeName: string;
  /** OCF_ROOT; agents live in `${ocfRoot}/resource.d/PROVIDER/TYPE`. */
  readonly ocfRoot: string;
  /** HA_RSCTMP: agents' state files that must vanish at reboot. */
  readonly rscTmpDir: string;
  /** HA_VARRUN: agents' pid files. */
  readonly varRunDir: string;
  /** HA_SBIN_DIR, first on PATH: vigil's crm_attribute, crm_master, attrd_updater, crm_node… */
  readonly sbinDir: string;
  /** The local node-attribute and CIB-query store the agent commands use (see cluster/port.ts). */
  readonly clusterStateFile: string;
  /** Where LSB init scripts live. */
  readonly initDir: string;
  /** Node binary that runs vigil's agent commands. */
  readonly nodeBin: string;
  /**
   * A Unix socket serving the cluster port (`serveClusterPort`): when set, the agent commands
   * use it (the daemon's replicated state) instead of `clusterStateFile`.
   */
  readonly clusterSocket?: string;
}

/** vigil's agent commands, shipped in the package (packages/executor/agent-bin). */
export const AGENT_BIN_DIR = fileURLToPath(new URL('../../agent-bin', import.meta.url));

export const DEFAULT_OCF_ROOT = '/usr/lib/ocf';

/** A host rooted at `stateDir`: rsctmp/, varrun/ and cluster.json under it. */
export function agentHostIn(
  stateDir: string,
  nodeName: string,
  over: Partial<AgentHost> = {},
): AgentHost {
  return {
    nodeName,
    ocfRoot: DEFAULT_OCF_ROOT,
    rscTmpDir: join(stateDir, 'rsctmp'),
    varRunDir: join(stateDir, 'varrun'),
    sbinDir: AGENT_BIN_DIR,
    clusterStateFile: join(stateDir, 'cluster.json'),
    initDir: '/etc/init.d',
    nodeBin: process.execPath,
    ...over,
  };
}

/** Creates the host's state directories (HA_RSCTMP, HA_VARRUN, the store's directory). */
export function ensureHostDirs(host: AgentHost): void {
  mkdirSync(host.rscTmpDir, { recursive: true, mode: 0o755 });
  mkdirSync(host.varRunDir, { recursive: true, mode: 0o755 });
  mkdirSync(join(host.clusterStateFile, '..'), { recursive: true, mode: 0o755 });
}
