/**
 * A vigil cluster for the failover benchmark: one network namespace per node on a bridge (like
 * ../shared/reference/pacemaker-netns), set up only through vigil's public surface: `vigil init`
 * writes the config and authkey, the bench adds the fence device to the YAML, each node runs
 * `vigild --config … --node …` inside its namespace, and everything else goes through the CLI or
 * the daemon's API socket. Nothing here depends on vigild's internals, so the daemon can be
 * rewritten under it.
 *
 * Per node: its own namespace (vgl-fbN, 10.198.0.N), state directory, API socket, log and
 * HA_RSCTMP (the resource agents' state: what Pacemaker's harness gets from a private /run).
 * Every process of a node carries VIGIL_FENCE_TAG=<prefix><node>: fence_vigil (the test fence
 * device, found by vigild like any fence agent) kills them all and runs the node's start script
 * (`<dir>/<node>.start`, its `piddir` parameter) again, like a power cycle.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { callDaemon } from '@vigil/daemon';
import { NetnsLan, run, runOk } from '@vigil/testkit';
import { cpuTicks } from './proc.js';

// bench/dist/lib/ → the repository root.
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const VIGIL_CLI = join(REPO, 'packages/cli/bin/vigil.js');
const VIGILD = join(REPO, 'packages/daemon/bin/vigild.js');
/** Extra Node flags for every vigild (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p` to profile one run). */
const NODE_ARGS = (process.env.VIGIL_BENCH_NODE_ARGS ?? '')
  .split(' ')
  .filter((a) => a !== '')
  .map((a) => `'${a.replaceAll("'", '')}' `)
  .join('');
/** vigil's extra OCF agents (ocf:vigil:*); the bench's Dummy is the system's ocf:heartbeat one. */
const AGENTS = join(REPO, 'packages/daemon/agents');

/** The part of `status` (API) the bench reads; checked at run time, not trusted. */
export interface BenchStatus {
  readonly dc: string | null;
  readonly quorate: boolean;
  readonly nodes: readonly { name: string; online: boolean }[];
  readonly resources: readonly { id: string; running: readonly string[] }[];
  readonly transition?: { outcome: string } | null | undefined;
}

function asStatus(v: unknown): BenchStatus {
  const s = v as Partial<BenchStatus> | null;
  if (
    s === null ||
    typeof s !== 'object' ||
    !Array.isArray(s.nodes) ||
    !Array.isArray(s.resources) ||
    typeof s.quorate !== 'boolean'
  ) {
    throw new Error(`vigild's status has an unexpected shape: ${JSON.stringify(v).slice(0, 300)}`);
  }
  return s as BenchStatus;
}

/** CPU ticks (self; self + reaped children) and RSS (KiB) summed over a node's processes. */
export interface NodeSample {
  readonly self: Map<number, number>;
  readonly all: Map<number, number>;
  readonly rssKib: number;
}

export class NetnsCluster {
  readonly tagPrefix = 'vigil-bench-';

  private constructor(
    readonly dir: string,
    readonly nodes: readonly string[],
    readonly lan: NetnsLan,
  ) {}

  static async create(dir: string, nodes: readonly string[], port = 5405): Promise<NetnsCluster> {
    const lan = await NetnsLan.create('fb', nodes.length, '10.198.0');
    const c = new NetnsCluster(dir, nodes, lan);
    try {
      await c.writeConfig(port);
    } catch (e) {
      await lan.destroy();
      throw e;
    }
    return c;
  }

  get configPath(): string {
    return join(this.dir, 'vigil.yaml');
  }
  socket(node: string): string {
    return join(this.dir, `${node}.sock`);
  }
  logFile(node: string): string {
    return join(this.dir, `${node}.log`);
  }
  netns(node: string): string {
    return this.lan.hosts[this.nodes.indexOf(node)]!.name;
  }

  private async writeConfig(port: number): Promise<void> {
    const spec = this.nodes.map((n, i) => `${n}=${this.lan.hosts[i]!.address}:${port}`).join(',');
    await runOk(
      process.execPath,
      [VIGIL_CLI, 'init', '--nodes', spec, '--name', 'bench', '--dir', this.dir],
      { timeoutMs: 30_000 },
    );
    const cfg = parse(await readFile(this.configPath, 'utf8')) as Record<string, unknown>;
    cfg.stateDir = join(this.dir, 'state', '{node}');
    cfg.socket = join(this.dir, '{node}.sock');
    cfg.stonithEnabled = true;
    cfg.fencing = {
      devices: [
        {
          id: 'fence-vigil',
          agent: 'fence_vigil',
          // state_dir holds NODE.start and NODE.netns (the executor's fence_vigil kills every
          // process in the namespace); piddir and tagprefix serve the older fence_vigil.
          params: {
            state_dir: this.dir,
            piddir: this.dir,
            tagprefix: this.tagPrefix,
            log: join(this.dir, 'fence.log'),
          },
          hostMap: Object.fromEntries(this.nodes.map((n) => [n, n])),
          timeoutMs: 20_000,
        },
      ],
    };
    await writeFile(
      this.configPath,
      `# vigil init, plus the bench's fence device\n${stringify(cfg)}`,
    );
    for (const n of this.nodes) {
      const rsctmp = join(this.dir, 'rsctmp', n);
      await mkdir(rsctmp, { recursive: true });
      const script =
        `#!/bin/sh\n` +
        `export VIGIL_FENCE_TAG='${this.tagPrefix}${n}' HA_RSCTMP='${rsctmp}' ` +
        `VIGIL_OCF_PATH='${join(AGENTS, 'ocf')}'\n` +
        `exec ip netns exec '${this.netns(n)}' '${process.execPath}' ${NODE_ARGS}'${VIGILD}' ` +
        `--config '${this.configPath}' --node '${n}' >> '${this.logFile(n)}' 2>&1\n`;
      await writeFile(join(this.dir, `${n}.netns`), `${this.netns(n)}\n`);
      const p = join(this.dir, `${n}.start`);
      await writeFile(p, script);
      await chmod(p, 0o755);
    }
  }

  /** Starts a node's vigild in its namespace, detached, as fence_vigil's `on` does. */
  start(node: string): void {
    spawn('setsid', [join(this.dir, `${node}.start`)], { detached: true, stdio: 'ignore' }).unref();
  }

  /** PIDs of every process of `node` (in its network namespace). */
  async pids(node: string): Promise<number[]> {
    const r = await run('ip', ['netns', 'pids', this.netns(node)], { timeoutMs: 10_000 });
    return r.stdout
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((p) => Number.isInteger(p) && p > 0);
  }

  /** A crash: SIGKILL to every process of the node at once (vigild and what it started). */
  async crash(node: string): Promise<void> {
    for (const p of await this.pids(node)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }

  /** Waits until no process of `node` is left. */
  async waitDead(node: string, timeoutMs = 20_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while ((await this.pids(node)).length > 0) {
      if (performance.now() > deadline) throw new Error(`${node}'s processes survive SIGKILL`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** CPU and RSS of `pids` now (processes that exited meanwhile are left out). */
  static sample(pids: readonly number[]): NodeSample {
    const self = new Map<number, number>();
    const all = new Map<number, number>();
    let rssKib = 0;
    for (const p of pids) {
      try {
        const t = cpuTicks(readFileSync(`/proc/${p}/stat`, 'utf8'));
        const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
        self.set(p, t.self);
        all.set(p, t.self + t.children);
        rssKib += m ? Number(m[1]) : 0;
      } catch {
        // exited meanwhile
      }
    }
    return { self, all, rssKib };
  }

  /** `status` from the first node whose API answers with a DC and quorum. */
  async status(among: readonly string[] = this.nodes): Promise<BenchStatus | undefined> {
    for (const n of among) {
      try {
        const s = asStatus(await callDaemon(this.socket(n), 'status', {}, 1000));
        if (s.dc !== null && s.quorate) return s;
      } catch (e) {
        if (e instanceof Error && e.message.startsWith("vigild's status")) throw e;
      }
    }
    return undefined;
  }

  /** One API request to the first node that takes it. */
  async request(method: string, params: Record<string, unknown>): Promise<unknown> {
    let last: unknown;
    for (const n of this.nodes) {
      try {
        return await callDaemon(this.socket(n), method, params, 20_000);
      } catch (e) {
        last = e;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  }

  /** Runs the vigil CLI against a node's socket. */
  async cli(args: readonly string[]): Promise<string> {
    let last: unknown;
    for (const n of this.nodes) {
      const r = await run(process.execPath, [VIGIL_CLI, ...args, '--socket', this.socket(n)], {
        timeoutMs: 60_000,
      });
      if (r.code === 0) return r.stdout;
      last = new Error(`vigil ${args.join(' ')}: ${r.stderr.trim()}`);
    }
    throw last instanceof Error ? last : new Error(String(last));
  }

  /** The tail of each node's log (for errors). */
  logTails(lines = 15): string {
    return this.nodes
      .map((n) => {
        try {
          return `--- ${n}\n${readFileSync(this.logFile(n), 'utf8').trim().split('\n').slice(-lines).join('\n')}`;
        } catch {
          return `--- ${n}: no log`;
        }
      })
      .join('\n');
  }

  /** Kills every node's processes (vigild and any agent it left behind) and the namespaces. */
  async destroy(): Promise<void> {
    for (const n of this.nodes) {
      await this.crash(n).catch(() => undefined);
      await this.waitDead(n).catch(() => undefined);
    }
    await this.lan.destroy();
  }
}
