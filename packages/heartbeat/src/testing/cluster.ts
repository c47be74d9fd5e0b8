/**
 * A harness for real multi-process tests and benchmarks: writes an authkey and per-node configs,
 * spawns `msgd` processes, each on its own 127.0.0.x address, and talks to their control
 * channels. Not used by vigil itself.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { VigilError } from '@vigil/base';
import { generateAuthkeyFile } from '@vigil/wire';

export const MSGD_PATH = fileURLToPath(new URL('../bin/msgd.js', import.meta.url));

const MAX_EVENTS_KEPT = 20_000;
const MAX_STDERR = 256 * 1024;

export interface ReceivedEvent {
  /** performance.now() of the harness process when the line arrived. */
  readonly atMs: number;
  readonly event: { readonly type: string; readonly [k: string]: unknown };
}

export interface Reply {
  readonly id: string;
  readonly ok: boolean;
  readonly code?: string;
  readonly message?: string;
  readonly details?: Record<string, unknown>;
  readonly [k: string]: unknown;
}

export interface StatusReply {
  readonly term: number;
  readonly role: string;
  readonly leader: string | null;
  readonly commit: number;
  readonly members: readonly string[];
  readonly quorum: { hasQuorum: boolean; votes: number };
  readonly wire: { rejectedTotal: number; rejected: Record<string, number>; accepted: number };
  readonly peers: readonly {
    name: string;
    member: boolean;
    rejected: number;
    links: readonly { state: string; rttMs: number | null; packetsIn: number }[];
  }[];
  readonly [k: string]: unknown;
}

export interface ClusterOptions {
  readonly size: number;
  /** Links per node (link i of node k is 127.0.i.(base+k)). Default 1. */
  readonly links?: number;
  /** Extra config fields for every node (e.g. detector settings). */
  readonly extra?: Record<string, unknown>;
  /** Prefix of the temp dir. */
  readonly tag?: string;
  /** Address of node k (0-based) on link i; default 127.0.i.(base+k) on a random port. */
  readonly address?: (k: number, link: number) => string;
  /** Command prefix for node k (e.g. to run it in a network namespace). */
  readonly wrap?: (k: number) => readonly string[];
}

let nextRequest = 1;

export class MsgdProc {
  child: ChildProcessWithoutNullStreams | undefined;
  readonly events: ReceivedEvent[] = [];
  stderr = '';
  private readonly waiting = new Map<string, (r: Reply) => void>();
  private readonly listeners = new Set<(e: ReceivedEvent) => void>();
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly index: number,
    readonly host: string,
    readonly configPath: string,
    readonly stateDir: string,
    /** Command prefix, e.g. `['ip', 'netns', 'exec', 'vgl-x1']`, which must exec its argument. */
    readonly wrap: readonly string[] = [],
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Spawns the node and waits for its ready line. */
  async start(timeoutMs = 15_000): Promise<void> {
    const argv = [...this.wrap, process.execPath, MSGD_PATH, '--config', this.configPath];
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdin.on('error', () => undefined);
    child.stderr.on('data', (d: Buffer) => {
      if (this.stderr.length < MAX_STDERR) this.stderr += d.toString('utf8');
    });
    let onReady: (() => void) | undefined;
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const atMs = performance.now();
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (msg.ready === true) onReady?.();
      else if (msg.event !== undefined) {
        const ev: ReceivedEvent = { atMs, event: msg.event as ReceivedEvent['event'] };
        this.events.push(ev);
        if (this.events.length > MAX_EVENTS_KEPT) this.events.splice(0, 1000);
        for (const l of this.listeners) l(ev);
      } else if (typeof msg.id === 'string') {
        const w = this.waiting.get(msg.id);
        if (w) {
          this.waiting.delete(msg.id);
          w(msg as unknown as Reply);
        }
      }
    });
    const exitedEarly = this.exited.then(() => {
      throw new VigilError(
        'VGL_E_UNAVAILABLE',
        `msgd ${this.name} exited at start: ${this.stderr.trim()}`,
      );
    });
    await withDeadline(Promise.race([ready, exitedEarly]), timeoutMs, `msgd ${this.name} to start`);
  }

  onEvent(fn: (e: ReceivedEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Resolves with the first event (already received after `sinceMs`, or future) matching. */
  waitEvent(
    pred: (e: ReceivedEvent) => boolean,
    timeoutMs: number,
    what: string,
    sinceMs = 0,
  ): Promise<ReceivedEvent> {
    const past = this.events.find((e) => e.atMs >= sinceMs && pred(e));
    if (past) return Promise.resolve(past);
    let off: (() => void) | undefined;
    const p = new Promise<ReceivedEvent>((resolve) => {
      off = this.onEvent((e) => {
        if (pred(e)) resolve(e);
      });
    });
    return withDeadline(p, timeoutMs, `${this.name}: ${what}`).finally(() => off?.());
  }

  request(cmd: string, arg: string, timeoutMs = 10_000): Promise<Reply> {
    const child = this.child;
    if (!child || !this.running) {
      return Promise.reject(
        new VigilError('VGL_E_UNAVAILABLE', `msgd ${this.name} is not running`),
      );
    }
    const id = `r${nextRequest++}`;
    const p = new Promise<Reply>((resolve) => this.waiting.set(id, resolve));
    child.stdin.write(`${cmd} ${id}${arg === '' ? '' : ` ${arg}`}\n`);
    return withDeadline(p, timeoutMs, `${this.name} to answer ${cmd}`).finally(() =>
      this.waiting.delete(id),
    );
  }

  propose(text: string, timeoutMs = 10_000): Promise<Reply> {
    return this.request('propose', text, timeoutMs);
  }

  async status(timeoutMs = 10_000): Promise<StatusReply> {
    const r = await this.request('status', '', timeoutMs);
    return r.status as StatusReply;
  }

  async log(from = 1): Promise<[number, string][]> {
    const out: [number, string][] = [];
    let next = from;
    for (;;) {
      const r = await this.request('log', String(next));
      const batch = r.entries as [number, string][];
      out.push(...batch);
      if (batch.length < 1000) return out;
      next = batch[batch.length - 1]![0] + 1;
    }
  }

  kill(signal: NodeJS.Signals): void {
    try {
      this.child?.kill(signal);
    } catch {
      // gone already
    }
  }

  async waitExit(timeoutMs = 10_000): Promise<void> {
    await withDeadline(this.exited, timeoutMs, `msgd ${this.name} to exit`);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.kill('SIGKILL');
    await this.waitExit();
  }
}

export class MsgdCluster {
  private constructor(
    readonly dir: string,
    readonly nodes: readonly MsgdProc[],
    readonly authkeyFile: string,
    readonly port: number,
  ) {}

  /** Writes configs for `size` nodes and starts them all. */
  static async create(opts: ClusterOptions): Promise<MsgdCluster> {
    const c = await MsgdCluster.prepare(opts);
    try {
      await Promise.all(c.nodes.map((n) => n.start()));
    } catch (e) {
      await c.destroy();
      throw e;
    }
    return c;
  }

  /** Writes configs without starting anything. */
  static async prepare(opts: ClusterOptions): Promise<MsgdCluster> {
    const dir = await mkdtemp(join(tmpdir(), `vigil-${opts.tag ?? 'msg'}-`));
    const authkeyFile = join(dir, 'authkey');
    await generateAuthkeyFile(authkeyFile);
    const links = opts.links ?? 1;
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const hostBase = 2 + Math.floor(Math.random() * 200);
    const specs = Array.from({ length: opts.size }, (_, k) => ({
      name: `n${k + 1}`,
      id: k + 1,
      role: 'voter',
      links: Array.from({ length: links }, (_, i) =>
        opts.address ? opts.address(k, i) : `127.0.${i}.${hostBase + k}:${port}`,
      ),
    }));
    const nodes: MsgdProc[] = [];
    for (const [k, s] of specs.entries()) {
      const stateDir = join(dir, s.name);
      const configPath = join(dir, `${s.name}.json`);
      const config = {
        clusterId: 4242,
        self: s.name,
        nodes: specs,
        authkeyFile,
        stateDir,
        ...opts.extra,
      };
      await writeFile(configPath, JSON.stringify(config, null, 2));
      const host = s.links[0]!.slice(0, s.links[0]!.lastIndexOf(':'));
      nodes.push(new MsgdProc(s.name, k, host, configPath, stateDir, opts.wrap?.(k) ?? []));
    }
    return new MsgdCluster(dir, nodes, authkeyFile, port);
  }

  /** Waits until the running nodes agree on a leader that has committed in its term. */
  async leader(timeoutMs = 20_000, among?: readonly MsgdProc[]): Promise<MsgdProc> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const live = (among ?? this.nodes).filter((n) => n.running);
      const st = await Promise.all(live.map((n) => n.status().catch(() => undefined)));
      const leaders = st
        .map((s, i) => (s?.role === 'leader' ? live[i] : undefined))
        .filter((x) => x);
      if (leaders.length === 1) {
        const l = leaders[0]!;
        const lt = st[live.indexOf(l)]!.term;
        const agree = st.every((s) => s?.leader === l.name && s.term === lt);
        if (agree) {
          const r = await l.propose(`probe-${Date.now()}`, 5000).catch(() => undefined);
          if (r?.ok === true) return l;
        }
      }
      if (performance.now() > deadline) {
        throw new VigilError(
          'VGL_E_TIMEOUT',
          `no agreed leader within ${timeoutMs} ms: ${JSON.stringify(st.map((s) => s && [s.role, s.term, s.leader]))}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async destroy(): Promise<void> {
    for (const n of this.nodes) {
      if (n.running) n.kill('SIGCONT');
    }
    await Promise.all(this.nodes.map((n) => n.stop().catch(() => undefined)));
    await rm(this.dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy();
  }
}

export async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new VigilError('VGL_E_TIMEOUT', `timed out after ${ms} ms waiting for ${what}`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
