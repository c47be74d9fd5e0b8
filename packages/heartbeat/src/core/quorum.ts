/**
 * Quorum by majority of votes. Voters and witnesses each carry one vote; learners none.
 * Pure: fed the set of live members, returns the verdict.
 */
export type VoteRole = 'voter' | 'witness' | 'learner';

export interface QuorumMember {
  readonly id: string;
  readonly role: VoteRole;
}

export interface QuorumState {
  readonly hasQuorum: boolean;
  /** Votes present (live voters and witnesses, this node included). */
  readonly votes: number;
  /** Votes needed: a strict majority of all votes. */
  readonly needed: number;
  readonly total: number;
  readonly present: readonly string[];
}

export function quorumOf(
  members: readonly QuorumMember[],
  isLive: (id: string) => boolean,
): QuorumState {
  const voting = members.filter((m) => m.role !== 'learner');
  const present = voting
    .filter((m) => isLive(m.id))
    .map((m) => m.id)
    .sort();
  const needed = Math.floor(voting.length / 2) + 1;
  return {
    hasQuorum: voting.length > 0 && present.length >= needed,
    votes: present.length,
    needed,
    total: voting.length,
    present,
  };
}
