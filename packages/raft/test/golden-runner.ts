/**
 * Golden Raft interaction tests (principle 7): a script of events in, a trace out.
 *
 * Scripts live in test/golden/NAME.script; the expected trace in test/golden/NAME.trace.
 * `npm run raft:golden` checks them all; `npm run raft:golden -- --rewrite` regenerates the traces
 * (read the diff before committing it: the traces are the specification).
 *
 * Script commands (one per line, `#` starts a comment):
 *   cluster a b w:witness l:learner   founding members (default role voter); options below
 *   option electionTicks=10 preVote=false checkQuorum=false   (before `cluster`)
 *   tick a [N]          tick one node N times, then stabilize
 *   tick-all [N]        tick every node N times, stabilizing after each round
 *   campaign a          node a starts an election
 *   propose a TEXT      propose an entry
 *   conf a TYPE ID      propose a membership change (addVoter, addWitness, addLearner, remove)
 *   transfer a b        leadership transfer from a to b
 *   read a ID           read-index request
 *   snapshot a          compact a's log up to what it applied
 *   partition a b | c   cut every link between the groups;  `heal` restores them
 *   isolate a           cut a off from everyone
 *   crash a / restart a a node loses its volatile state and restarts from what it persisted
 *   add a               start a new (joining) node with an empty membership
 *   messages on|off     print every message delivered (default on)
 *   status              print every node's term, role, leader, commit and log
 * After each command the cluster stabilizes: every Ready is processed and every message
 * delivered (or dropped by a cut link) until nothing moves.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  RawNode,
  type ConfChange,
  type Entry,
  type HardState,
  type Member,
  type Message,
  type RaftConfig,
  type Snapshot,
} from '@vigil/raft';

interface Persisted {
  hardState: HardState;
  snapshot: Snapshot | undefined;
  entries: Entry[];
}

interface GNode {
  raft: RawNode | undefined;
  persisted: Persisted;
  applied: number;
  incarnation: number;
}

const dec = new TextDecoder();

function fmtEntry(e: Entry): string {
  if (e.kind === 'conf') return `${e.index}/${e.term} ${e.change.type}(${e.change.id})`;
  return e.data.length === 0
    ? `${e.index}/${e.term} -`
    : `${e.index}/${e.term} "${dec.decode(e.data)}"`;
}

export function fmtMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} t${m.term}`;
  switch (m.type) {
    case 'preVote':
    case 'vote':
      return `${head} last=${m.lastIndex}/${m.lastTerm}${m.transfer ? ' transfer' : ''}`;
    case 'preVoteResp':
    case 'voteResp':
      return `${head} ${m.granted ? 'granted' : 'rejected'}`;
    case 'append':
      return `${head} prev=${m.prevIndex}/${m.prevTerm} commit=${m.commit} [${m.entries.map(fmtEntry).join(', ')}]`;
    case 'appendResp':
      return `${head} ${m.reject ? `reject index=${m.index} hint=${m.hint}` : `ok index=${m.index}`}`;
    case 'heartbeat':
      return `${head} commit=${m.commit}${m.readSeq > 0 ? ` read=${m.readSeq}` : ''}`;
    case 'heartbeatResp':
      return `${head}${m.readSeq > 0 ? ` read=${m.readSeq}` : ''}`;
    case 'snapshot':
      return `${head} snapshot=${m.snapshot.index}/${m.snapshot.term}`;
    case 'timeoutNow':
      return head;
  }
}

class GoldenCluster {
  readonly nodes = new Map<string, GNode>();
  readonly out: string[] = [];
  private readonly cut = new Set<string>();
  private printMessages = true;
  private options: Partial<RaftConfig> = {};
  private founding: Member[] = [];

  private nodeSeed(id: string): number {
    let h = 7;
    for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
    return h;
  }

  private startNode(
    id: string,
    restore: Persisted | undefined,
    applied: number,
    members: Member[],
  ): RawNode {
    return new RawNode({
      id,
      initialMembership: { members },
      ...(restore ? { restore } : {}),
      applied,
      seed: this.nodeSeed(id),
      ...this.options,
    });
  }

  run(script: string): string {
    for (const raw of script.split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      if (line === '') continue;
      this.out.push(`> ${line}`);
      try {
        this.command(line.split(/\s+/), line);
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        this.out.push(`  error ${typeof code === 'string' ? code : ''}: ${(e as Error).message}`);
      }
    }
    return this.out.join('\n') + '\n';
  }

  private need(id: string | undefined): RawNode {
    const n = id === undefined ? undefined : this.nodes.get(id);
    if (!n?.raft) throw new Error(`no live node ${id ?? '(none)'}`);
    return n.raft;
  }

  private command(w: string[], line: string): void {
    const [cmd, a, b] = w;
    const count = (s: string | undefined): number => (s === undefined ? 1 : Number(s));
    switch (cmd ?? '') {
      case 'option':
        for (const kv of w.slice(1)) {
          const [k, v] = kv.split('=');
          (this.options as Record<string, unknown>)[k!] =
            v === 'true' ? true : v === 'false' ? false : Number(v);
        }
        return;
      case 'cluster':
        this.founding = w.slice(1).map((x) => {
          const [id, role] = x.split(':');
          return { id: id!, role: (role ?? 'voter') as Member['role'] };
        });
        for (const m of this.founding) this.add(m.id, this.founding);
        break;
      case 'add':
        this.add(a!, []);
        break;
      case 'tick':
        for (let i = 0; i < count(b); i++) {
          this.need(a).tick();
          this.stabilize();
        }
        return;
      case 'tick-all':
        for (let i = 0; i < count(a); i++) {
          for (const n of this.nodes.values()) n.raft?.tick();
          this.stabilize();
        }
        return;
      case 'campaign':
        this.need(a).campaign();
        break;
      case 'propose': {
        const text = line.slice(line.indexOf(a!) + a!.length).trim();
        const p = this.need(a).propose(new TextEncoder().encode(text));
        this.out.push(`  proposed at ${p.index}/${p.term}`);
        break;
      }
      case 'conf': {
        const p = this.need(a).proposeConfChange({ type: b as ConfChange['type'], id: w[3]! });
        this.out.push(`  proposed at ${p.index}/${p.term}`);
        break;
      }
      case 'transfer':
        this.need(a).transferLeadership(b!);
        break;
      case 'read':
        this.need(a).readIndex(b!);
        break;
      case 'snapshot': {
        const n = this.nodes.get(a!)!;
        const s = this.need(a).createSnapshot(
          n.applied,
          new TextEncoder().encode(`state@${n.applied}`),
        );
        n.persisted.snapshot = s;
        n.persisted.entries = n.persisted.entries.filter((e) => e.index > s.index);
        this.out.push(`  snapshot at ${s.index}/${s.term}`);
        break;
      }
      case 'partition': {
        const bar = w.indexOf('|');
        const g1 = w.slice(1, bar);
        const g2 = w.slice(bar + 1);
        for (const x of g1) for (const y of g2) this.cutBoth(x, y);
        return;
      }
      case 'isolate':
        for (const y of this.nodes.keys()) if (y !== a) this.cutBoth(a!, y);
        return;
      case 'heal':
        this.cut.clear();
        return;
      case 'crash': {
        const n = this.nodes.get(a!)!;
        n.raft = undefined;
        return;
      }
      case 'restart': {
        const n = this.nodes.get(a!)!;
        const p = n.persisted;
        n.applied = p.snapshot?.index ?? 0;
        n.incarnation++;
        n.raft = this.startNode(a!, p, n.applied, this.founding);
        break;
      }
      case 'messages':
        this.printMessages = a === 'on';
        return;
      case 'status':
        for (const [id, n] of this.nodes) {
          if (!n.raft) {
            this.out.push(`  ${id}: down`);
            continue;
          }
          const s = n.raft.status();
          const log: string[] = [];
          for (let i = s.firstIndex; i <= s.lastIndex; i++) log.push(fmtEntry(n.raft.entryAt(i)!));
          const members = s.membership.members.map((m) =>
            m.role === 'voter' ? m.id : `${m.id}:${m.role}`,
          );
          this.out.push(
            `  ${id}: term=${s.term} vote=${s.vote ?? '-'} ${s.role} leader=${s.leader ?? '-'} commit=${s.commit} applied=${s.applied} quorum=${s.quorum.hasQuorum} members=[${members.join(' ')}] log=[${log.join(', ')}]`,
          );
        }
        return;
      default:
        throw new Error(`unknown command ${cmd ?? ''}`);
    }
    this.stabilize();
  }

  private cutBoth(x: string, y: string): void {
    this.cut.add(`${x}>${y}`);
    this.cut.add(`${y}>${x}`);
  }

  private add(id: string, members: Member[]): void {
    const persisted: Persisted = {
      hardState: { term: 0, vote: null, commit: 0 },
      snapshot: undefined,
      entries: [],
    };
    this.nodes.set(id, {
      raft: this.startNode(id, undefined, 0, members),
      persisted,
      applied: 0,
      incarnation: 0,
    });
  }

  private stabilize(): void {
    for (let round = 0; round < 1000; round++) {
      const msgs: Message[] = [];
      for (const [id, n] of this.nodes) {
        while (n.raft?.hasReady()) {
          const rd = n.raft.ready();
          const p = n.persisted;
          if (rd.snapshot) {
            p.snapshot = rd.snapshot;
            p.entries = [];
            this.out.push(`  ${id} installs snapshot ${rd.snapshot.index}/${rd.snapshot.term}`);
          }
          if (rd.entries.length > 0) {
            const first = rd.entries[0]!.index;
            p.entries = p.entries.filter((e) => e.index < first).concat(rd.entries);
          }
          if (rd.hardState) p.hardState = rd.hardState;
          if (rd.softState) {
            const s = rd.softState;
            this.out.push(
              `  ${id} is ${s.role} in term ${s.term}, leader ${s.leader ?? '-'}${s.hasQuorum ? '' : ', no quorum'}`,
            );
          }
          if (rd.membership) {
            const m = rd.membership.members.map((x) =>
              x.role === 'voter' ? x.id : `${x.id}:${x.role}`,
            );
            this.out.push(`  ${id} membership [${m.join(' ')}]`);
          }
          if (rd.committedEntries.length > 0) {
            this.out.push(`  ${id} applies ${rd.committedEntries.map(fmtEntry).join(', ')}`);
            n.applied = rd.committedEntries[rd.committedEntries.length - 1]!.index;
          }
          if (rd.snapshot) n.applied = Math.max(n.applied, rd.snapshot.index);
          for (const r of rd.readStates)
            this.out.push(`  ${id} read ${r.requestId} ready at index ${r.index}`);
          msgs.push(...rd.messages);
          n.raft.advance(rd);
        }
      }
      if (msgs.length === 0) return;
      for (const m of msgs) {
        const to = this.nodes.get(m.to);
        if (this.cut.has(`${m.from}>${m.to}`) || !to?.raft) {
          if (this.printMessages) this.out.push(`  dropped ${fmtMessage(m)}`);
          continue;
        }
        if (this.printMessages) this.out.push(`  ${fmtMessage(m)}`);
        to.raft.step(m);
      }
    }
    throw new Error('did not stabilize in 1000 rounds');
  }
}

export function runGolden(script: string): string {
  return new GoldenCluster().run(script);
}

/** test/golden in the source tree (this file runs from dist/test). */
export const GOLDEN_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'test',
  'golden',
);

export function goldenCases(): { name: string; script: string; tracePath: string }[] {
  return readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.script'))
    .sort()
    .map((f) => ({
      name: f.slice(0, -'.script'.length),
      script: readFileSync(join(GOLDEN_DIR, f), 'utf8'),
      tracePath: join(GOLDEN_DIR, f.replace(/\.script$/, '.trace')),
    }));
}

function main(): void {
  const rewrite = process.argv.includes('--rewrite');
  let failed = 0;
  for (const c of goldenCases()) {
    const got = runGolden(c.script);
    if (rewrite) {
      writeFileSync(c.tracePath, got);
      process.stdout.write(`rewrote ${c.name}.trace\n`);
      continue;
    }
    let want = '';
    try {
      want = readFileSync(c.tracePath, 'utf8');
    } catch {
      want = '(missing)';
    }
    if (got === want) process.stdout.write(`ok ${c.name}\n`);
    else {
      failed++;
      process.stdout.write(
        `FAIL ${c.name}: trace differs (run with --rewrite and read the diff)\n`,
      );
    }
  }
  process.exitCode = failed > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
