/**
 * The promotion part of `vigil explain`: for an instance of a promotable clone, its promotion
 * score on its node, what made it, and whether it is promoted.
 */
import { formatScore } from '../score.js';
import type { WsResource } from '../working-set.js';

export interface PromotionReason {
  readonly kind: 'promotion';
  readonly node: string;
  readonly score: number;
  readonly text: string;
}

/** Sentences and reasons about `p`'s promotion (through its group instance), or none. */
export function explainPromotion(p: WsResource): {
  sentences: string[];
  reasons: PromotionReason[];
} {
  const inst = p.promotion ? p : p.parent?.promotion ? p.parent : undefined;
  const node = p.assigned;
  if (!inst?.promotion || node === undefined || node === null)
    return { sentences: [], reasons: [] };
  const { score, parts } = inst.promotion;
  const promoted = p.nextRole === 'Promoted';
  const reasons = parts
    .filter((x) => x.score !== 0)
    .map((x) => ({ kind: 'promotion' as const, node, score: x.score, text: x.why }));
  const sentences = [
    `Its promotion score on ${node} is ${formatScore(score)}; ${promoted ? 'it will be promoted there' : 'it stays unpromoted (other instances score higher, or promoted-max is reached)'}.`,
    ...reasons.map((x) => `  ${formatScore(x.score)}: ${x.text}`),
  ];
  return { sentences, reasons };
}
