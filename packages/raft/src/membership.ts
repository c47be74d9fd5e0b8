import { LIMITS, VigilError } from '@vigil/base';
import type { ConfChange, Member, Membership, NodeId } from './types.js';

export const EMPTY_MEMBERSHIP: Membership = { members: [] };

/** Voters and witnesses: the members whose votes count. Sorted by id. */
export function votersOf(m: Membership): NodeId[] {
  return m.members.filter((x) => x.role !== 'learner').map((x) => x.id);
}

export function memberOf(m: Membership, id: NodeId): Member | undefined {
  return m.members.find((x) => x.id === id);
}

export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/** Checks a proposed change against `m`; throws VGL_E_INVALID_INPUT naming what is wrong. */
export function validateChange(m: Membership, c: ConfChange): void {
  if (typeof c.id !== 'string' || c.id.length === 0 || c.id.length > 64) {
    throw new VigilError(
      'VGL_E_INVALID_INPUT',
      `membership change: bad node id ${JSON.stringify(c.id)}`,
    );
  }
  const cur = memberOf(m, c.id);
  const want =
    c.type === 'addVoter'
      ? 'voter'
      : c.type === 'addWitness'
        ? 'witness'
        : c.type === 'addLearner'
          ? 'learner'
          : null;
  if (want === null) {
    if (!cur)
      throw new VigilError('VGL_E_INVALID_INPUT', `membership change: ${c.id} is not a member`, {
        id: c.id,
      });
  } else if (cur?.role === want) {
    throw new VigilError('VGL_E_INVALID_INPUT', `membership change: ${c.id} is already a ${want}`, {
      id: c.id,
    });
  } else if (!cur && m.members.length >= LIMITS.maxNodes) {
    throw new VigilError('VGL_E_LIMIT', `membership change: at most ${LIMITS.maxNodes} members`, {
      id: c.id,
    });
  }
  const next = applyChange(m, c);
  if (votersOf(next).length === 0) {
    throw new VigilError('VGL_E_INVALID_INPUT', `membership change: would leave no voter`, {
      id: c.id,
    });
  }
}

/** The membership after `c`. Total: an inapplicable change leaves `m` as it is. */
export function applyChange(m: Membership, c: ConfChange): Membership {
  const others = m.members.filter((x) => x.id !== c.id);
  if (c.type === 'remove') return { members: others };
  const role = c.type === 'addVoter' ? 'voter' : c.type === 'addWitness' ? 'witness' : 'learner';
  const members = [...others, { id: c.id, role } as const].sort((x, y) =>
    x.id < y.id ? -1 : x.id > y.id ? 1 : 0,
  );
  return { members };
}

export function sameMembership(a: Membership, b: Membership): boolean {
  if (a.members.length !== b.members.length) return false;
  return a.members.every((x, i) => x.id === b.members[i]!.id && x.role === b.members[i]!.role);
}
