import { spawn } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ProcessResult, ProcessRunner, ProcessSpec, Random } from '@vigil/base';
import { SystemClock } from '@vigil/base/real';
import { NodeProcessRunner } from '@vigil/executor';
import { killGroup, waitFor } from '@vigil/testkit';

/** Everything the fencer did, in order: sleeps and agent runs. */
export type Event = string;

/** The real runner, noting each agent run as `run AGENT ACTION`. */
export class RecordingRunner implements ProcessRunner {
  private readonly real = new NodeProcessRunner();
  constructor(readonly log: Event[]) {}
  run(spec: ProcessSpec, signal?: AbortSignal): Promise<ProcessResult> {
    const action = /^action=(.*)$/m.exec(spec.stdin ?? '')?.[1] ?? '?';
    this.log.push(`run ${basename(spec.command)} ${action}`);
    return this.real.run(spec, signal);
  }
}

/** The real clock, noting each sleep as `sleep MS`. */
export class RecordingClock extends SystemClock {
  constructor(readonly log: Event[]) {
    super();
  }
  override sleep(delayMs: number): Promise<void> {
    this.log.push(`sleep ${delayMs}`);
    return super.sleep(delayMs);
  }
}

/** A Random whose int() answers from a script, recording each call's range. */
export class ScriptedRandom implements Random {
  readonly calls: [number, number][] = [];
  constructor(private readonly answers: number[]) {}
  int(minInclusive: number, maxExclusive: number): number {
    this.calls.push([minInclusive, maxExclusive]);
    const a = this.answers.shift() ?? 0;
    return Math.min(maxExclusive - 1, minInclusive + a);
  }
  u32(): number {
    return this.int(0, 2 ** 32);
  }
  float(): number {
    return 0;
  }
  bytes(length: number): Uint8Array {
    return new Uint8Array(length);
  }
}

/** Live (not zombie) pids whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const ent of readdirProc()) {
    const st = stat(ent);
    if (st && st.pgrp === pgid && st.state !== 'Z') out.push(ent);
  }
  return out;
}

export function liveProcess(pid: number): boolean {
  const st = stat(pid);
  return st !== undefined && st.state !== 'Z';
}

function readdirProc(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

function stat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0]!, pgrp: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

/**
 * A simulated node for fence_vigil: a shell leading its own process group with two `sleep`
 * children. Its script registers the group as PLUG.pgid and is also PLUG.start, so fence_vigil's
 * `on` restarts it.
 */
export class FakeNode {
  constructor(
    readonly stateDir: string,
    readonly plug: string,
  ) {}

  static async start(stateDir: string, plug: string): Promise<FakeNode> {
    const script = join(stateDir, `${plug}.start`);
    writeFileSync(
      script,
      `#!/bin/sh\necho $$ > ${join(stateDir, `${plug}.pgid`)}.tmp && mv ${join(stateDir, `${plug}.pgid`)}.tmp ${join(stateDir, `${plug}.pgid`)}\nsleep 1000 &\nsleep 1000 &\nwait\n`,
    );
    chmodSync(script, 0o755);
    const child = spawn(script, [], { detached: true, stdio: 'ignore' });
    child.unref();
    const node = new FakeNode(stateDir, plug);
    await waitFor(() => node.pgid() === child.pid && node.members().length === 3, {
      timeoutMs: 10_000,
      what: `fake node ${plug} to start`,
    });
    return node;
  }

  pgid(): number | undefined {
    try {
      const n = Number(readFileSync(join(this.stateDir, `${this.plug}.pgid`), 'utf8').trim());
      return Number.isInteger(n) && n > 1 ? n : undefined;
    } catch {
      return undefined;
    }
  }

  members(): number[] {
    const g = this.pgid();
    return g === undefined ? [] : groupMembers(g);
  }

  kill(): void {
    const g = this.pgid();
    if (g !== undefined) killGroup(g, 'SIGKILL');
  }
}

/** Writes an executable script agent into `dir` and returns its path. */
export function scriptAgent(dir: string, name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}
