import {
  RawNode,
  type Entry,
  type Membership,
  type Message,
  type RaftConfig,
  type ReadState,
} from '@vigil/raft';

export const voters = (...ids: string[]): Membership => ({
  members: ids.map((id) => ({ id, role: 'voter' as const })),
});

/**
 * A tiny in-memory cluster for unit tests: instant, reliable delivery unless a link is cut.
 * Persistence is trivially "done" (the storage has its own tests).
 */
export class TestCluster {
  readonly nodes = new Map<string, RawNode>();
  readonly applied = new Map<string, Entry[]>();
  readonly reads = new Map<string, ReadState[]>();
  readonly cut = new Set<string>();
  readonly sent: Message[] = [];
  /** When set, messages are held here instead of delivered. */
  hold: Message[] | undefined;

  constructor(
    ids: string[],
    extra: Partial<RaftConfig> = {},
    members: Membership = voters(...ids),
  ) {
    for (const [i, id] of ids.entries())
      this.add(id, { initialMembership: members, seed: i + 1, ...extra });
  }

  add(id: string, cfg: Partial<RaftConfig>): RawNode {
    const n = new RawNode({ id, ...cfg });
    this.nodes.set(id, n);
    this.applied.set(id, []);
    this.reads.set(id, []);
    return n;
  }

  node(id: string): RawNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** Cuts (both directions) between a and b. */
  partition(a: string, b: string): void {
    this.cut.add(`${a}>${b}`);
    this.cut.add(`${b}>${a}`);
  }

  isolate(a: string): void {
    for (const b of this.nodes.keys()) if (b !== a) this.partition(a, b);
  }

  heal(): void {
    this.cut.clear();
  }

  /** Processes Ready and delivers messages until nothing moves. */
  settle(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round++) {
      const out: Message[] = [];
      for (const [id, n] of this.nodes) {
        while (n.hasReady()) {
          const rd = n.ready();
          this.applied.get(id)!.push(...rd.committedEntries);
          this.reads.get(id)!.push(...rd.readStates);
          out.push(...rd.messages);
          n.advance(rd);
        }
      }
      if (out.length === 0) return;
      this.sent.push(...out);
      for (const m of out) this.deliver(m);
    }
    throw new Error('cluster did not settle');
  }

  deliver(m: Message): void {
    if (this.hold) {
      this.hold.push(m);
      return;
    }
    if (this.cut.has(`${m.from}>${m.to}`)) return;
    this.nodes.get(m.to)?.step(m);
  }

  tick(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const node of this.nodes.values()) node.tick();
      this.settle();
    }
  }

  /** Ticks until some node leads; returns its id. */
  elect(maxTicks = 200): string {
    for (let i = 0; i < maxTicks; i++) {
      this.tick();
      const l = this.leader();
      if (l) return l;
    }
    throw new Error('no leader elected');
  }

  leader(): string | undefined {
    for (const [id, n] of this.nodes)
      if (n.status().role === 'leader' && !this.isIsolated(id)) return id;
    return undefined;
  }

  leaders(): string[] {
    return [...this.nodes].filter(([, n]) => n.status().role === 'leader').map(([id]) => id);
  }

  private isIsolated(id: string): boolean {
    for (const b of this.nodes.keys()) if (b !== id && !this.cut.has(`${id}>${b}`)) return false;
    return this.nodes.size > 1;
  }

  data(id: string): string[] {
    return this.applied
      .get(id)!
      .filter((e) => e.kind === 'normal' && e.data.length > 0)
      .map((e) => (e.kind === 'normal' ? new TextDecoder().decode(e.data) : ''));
  }
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
