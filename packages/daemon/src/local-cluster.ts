import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { VigilError } from '@vigil/base';
import { BUILTIN_AGENT_DIR } from '@vigil/executor';
import { DEFAULT_TIMING, type TimingConfig } from './config/index.js';
import { writeAuthkey } from './net/authkey.js';
import { callDaemon } from './api/client.js';

/**
 * A cluster of vigild processes on this machine: one per 127.0.0.x address, each with its own
 * state directory, HA_RSCTMP, log and API socket, fenced by `@vigil/executor`'s `fence_vigil`
 * (which kills every process tagged with the node's VIGIL_FENCE_TAG and runs its start script,
 * `NODE.start` in the cluster directory, again). The vigild pid goes to `NODE.vigild.pid`, which
 * fence_vigil does not read: a stale pid there can never make it kill an unrelated process.
 * Used by `vigil demo`, the end-to-end tests and the failover benchmark.
 */
export const AGENTS_DIR = fileURLToPath(new URL('../../agents', import.meta.url));
/** Where fence_vigil lives (the executor's agents). */
export const FENCE_VIGIL = join(BUILTIN_AGENT_DIR, 'fence_vigil');
export const OCF_EXTRA_DIR = join(AGENTS_DIR, 'ocf');
const VIGILD_JS = fileURLToPath(new URL('../../bin/vigild.js', import.meta.url));

export interface LocalClusterOptions {
  readonly dir: string;
  readonly name: string;
  readonly nodes: readonly string[];
  /** Node i listens on 127.0.0.(firstHost + i). */
  readonly firstHost?: number;
  readonly port: number;
  readonly stonithEnabled?: boolean;
  /** Fencing reboots the node (restarts its vigild) rather than only powering it off. */
  readonly fenceRestarts?: boolean;
  readonly timing?: Partial<TimingConfig>;
  /** Node addresses other than 127.0.0.x, e.g. one network namespace per node. */
  readonly hosts?: Readonly<Record<string, string>>;
  /** Network namespace to run each node's vigild in (`ip netns exec`). */
  readonly netns?: Readonly<Record<string, string>>;
  /**
   * Whether the cluster file has the fence_vigil device (default true). Without it, fencing
   * comes from the CIB: a `stonith:fence_vigil` primitive with `fenceVigilParams()`.
   */
  readonly fileFencing?: boolean;
}

export class LocalCluster {
  readonly dir: string;
  readonly tagPrefix: string;

  constructor(readonly o: LocalClusterOptions) {
    this.dir = resolve(o.dir);
    this.tagPrefix = `vigil-${o.name}-`;
  }

  get configPath(): string {
    return join(this.dir, 'vigil.yaml');
  }
  socket(node: string): string {
    return join(this.dir, `${node}.sock`);
  }
  /**
   * The API socket of the first node (in configuration order, `skip` left out) whose status
   * shows a DC and quorum; undefined when none does yet. One look: callers wait around it.
   */
  async quorateSocket(skip: ReadonlySet<string> = new Set()): Promise<string | undefined> {
    for (const n of this.o.nodes) {
      if (skip.has(n)) continue;
      try {
        const s = (await callDaemon(this.socket(n), 'status', {}, 2000)) as {
          dc: string | null;
          quorate: boolean;
        };
        if (s.dc !== null && s.quorate) return this.socket(n);
      } catch {
        // not answering: the next node
      }
    }
    return undefined;
  }
  rscTmp(node: string): string {
    return join(this.dir, 'rsctmp', node);
  }
  logFile(node: string): string {
    return join(this.dir, `${node}.log`);
  }
  /** Where the agents' crm_* commands reach a node's cluster port. */
  clusterPortSocket(node: string): string {
    return join(this.dir, 'state', node, 'cluster-port.sock');
  }
  pidFile(node: string): string {
    return join(this.dir, `${node}.vigild.pid`);
  }
  get fenceLog(): string {
    return join(this.dir, 'fence.log');
  }
  host(node: string): string {
    const h = this.o.hosts?.[node];
    if (h !== undefined) return h;
    return `127.0.0.${(this.o.firstHost ?? 2) + this.o.nodes.indexOf(node)}`;
  }

  /**
   * fence_vigil's parameters for this cluster's nodes: `piddir` (where each node's start script
   * is, empty when fencing only powers off), `tagprefix` (the nodes' VIGIL_FENCE_TAG), `log`.
   */
  fenceVigilParams(): { piddir: string; tagprefix: string; log: string } {
    return {
      piddir: this.o.fenceRestarts === false ? '' : this.dir,
      tagprefix: this.tagPrefix,
      log: this.fenceLog,
    };
  }

  /** Writes config, key and start scripts. */
  async create(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    if (!existsSync(join(this.dir, 'authkey'))) await writeAuthkey(join(this.dir, 'authkey'));
    const hostMap = Object.fromEntries(this.o.nodes.map((n) => [n, n]));
    const { piddir, tagprefix, log } = this.fenceVigilParams();
    const cfg = {
      cluster: this.o.name,
      authkey: 'authkey',
      stateDir: 'state/{node}',
      socket: '{node}.sock',
      nodes: this.o.nodes.map((n) => ({ name: n, links: [`${this.host(n)}:${this.o.port}`] })),
      timing: { ...DEFAULT_TIMING, ...this.o.timing },
      stonithEnabled: this.o.stonithEnabled ?? true,
      noQuorumPolicy: 'stop',
      fencing: {
        devices:
          this.o.fileFencing === false
            ? []
            : [
                {
                  id: 'fence-vigil',
                  agent: 'fence_vigil',
                  params: { piddir, tagprefix, log },
                  hostMap,
                  timeoutMs: 20_000,
                },
              ],
      },
    };
    await writeFile(this.configPath, `# written by vigil's LocalCluster\n${stringify(cfg)}`);
    for (const n of this.o.nodes) {
      const script =
        `#!/bin/sh\n` +
        `echo $$ > '${this.pidFile(n)}'\n` +
        `export VIGIL_FENCE_TAG='${this.tagPrefix}${n}' HA_RSCTMP='${this.rscTmp(n)}' VIGIL_OCF_PATH='${OCF_EXTRA_DIR}'\n` +
        `exec ${this.o.netns?.[n] !== undefined ? `ip netns exec '${this.o.netns[n]}' ` : ''}'${process.execPath}' '${VIGILD_JS}' --config '${this.configPath}' --node '${n}' >> '${this.logFile(n)}' 2>&1\n`;
      const p = join(this.dir, `${n}.start`);
      await writeFile(p, script);
      await chmod(p, 0o755);
    }
  }

  /** Starts one node's vigild, detached (its own session), like fence_vigil's `on`. */
  start(node: string): void {
    const child = spawn('/bin/sh', [join(this.dir, `${node}.start`)], {
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
  }

  async pid(node: string): Promise<number | undefined> {
    try {
      const n = Number((await readFile(this.pidFile(node), 'utf8')).trim());
      return Number.isInteger(n) && n > 0 ? n : undefined;
    } catch {
      return undefined;
    }
  }

  /** SIGKILLs a node's vigild only (its resources stay behind, as after a crash). */
  async crash(node: string): Promise<void> {
    const pid = await this.pid(node);
    if (pid === undefined) throw new VigilError('VGL_E_NOT_FOUND', `no pid for node ${node}`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Powers a node off for good: every process tagged with it dies (fence_vigil off). */
  async powerOff(node: string): Promise<void> {
    await new Promise<void>((resolve2, reject) => {
      const c = spawn(FENCE_VIGIL, [], { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      c.stderr.on('data', (d: Buffer) => (err += d.toString()));
      c.on('error', reject);
      c.on('exit', (code) =>
        code === 0
          ? resolve2()
          : reject(new VigilError('VGL_E_FENCE_FAILED', `fence_vigil off ${node}: ${err}`)),
      );
      c.stdin.end(
        `action=off\nplug=${node}\npiddir=\ntagprefix=${this.tagPrefix}\nlog=${this.fenceLog}\n`,
      );
    });
  }

  async stopAll(): Promise<void> {
    for (const n of this.o.nodes) await this.powerOff(n);
    for (const n of this.o.nodes) await rm(this.socket(n), { force: true });
  }
}
