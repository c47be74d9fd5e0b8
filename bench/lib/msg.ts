/** Helpers shared by the messaging benchmarks (3 msgd processes on loopback). */
import { MsgdCluster, type MsgdProc } from '@vigil/heartbeat/testing';

export function argNum(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

/** Waits until every running node agrees on one leader and it commits. */
export async function stable(c: MsgdCluster): Promise<MsgdProc> {
  return c.leader(30_000);
}

/** Waits until `who` sees every other running node as a member. */
export async function allMembers(c: MsgdCluster, who: MsgdProc): Promise<void> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const s = await who.status();
    if (c.nodes.every((n) => !n.running || s.members.includes(n.name))) return;
    if (performance.now() > deadline) throw new Error(`${who.name} never saw all members`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { MsgdCluster, type MsgdProc };
