import { VigilError } from '@vigil/base';

/**
 * Fencing topology (Pacemaker's `fencing-level`): for a target, levels are tried in index order
 * and a level succeeds only when every one of its devices succeeds.
 */
export interface FenceLevelSpec {
  /** 1 to 9; lower is tried first. */
  readonly index: number;
  /** The node this level applies to. Exactly one of `target` and `targetPattern`. */
  readonly target?: string;
  /** A regular expression matched (unanchored, like Pacemaker's) against node names. */
  readonly targetPattern?: string;
  readonly devices: readonly string[];
}

export interface FenceLevel {
  readonly index: number;
  readonly target?: string;
  readonly pattern?: RegExp;
  readonly devices: readonly string[];
}

export const MAX_LEVEL_INDEX = 9;
export const MAX_DEVICES_PER_LEVEL = 16;

/** Validates levels against the known device ids. Errors are VGL_E_CONFIG naming the level. */
export function parseTopology(
  specs: readonly FenceLevelSpec[],
  deviceIds: ReadonlySet<string>,
): FenceLevel[] {
  const seen = new Set<string>();
  return specs.map((s, i) => {
    const hasTarget = s.target !== undefined;
    const hasPattern = s.targetPattern !== undefined;
    const where = `fencing level ${i + 1} (index ${s.index}${hasTarget ? `, target ${s.target}` : ''}${hasPattern ? `, pattern ${s.targetPattern}` : ''})`;
    if (!Number.isInteger(s.index) || s.index < 1 || s.index > MAX_LEVEL_INDEX) {
      throw new VigilError(
        'VGL_E_CONFIG',
        `${where}: index must be an integer from 1 to ${MAX_LEVEL_INDEX}`,
      );
    }
    if (hasTarget === hasPattern) {
      throw new VigilError(
        'VGL_E_CONFIG',
        `${where}: give exactly one of target and targetPattern`,
      );
    }
    if (s.target === '') throw new VigilError('VGL_E_CONFIG', `${where}: target is empty`);
    let pattern: RegExp | undefined;
    if (s.targetPattern !== undefined) {
      try {
        pattern = new RegExp(s.targetPattern);
      } catch (e) {
        throw new VigilError(
          'VGL_E_CONFIG',
          `${where}: targetPattern is not a valid regular expression: ${(e as Error).message}`,
        );
      }
    }
    if (s.devices.length === 0) {
      throw new VigilError('VGL_E_CONFIG', `${where}: a level needs at least one device`);
    }
    if (s.devices.length > MAX_DEVICES_PER_LEVEL) {
      throw new VigilError('VGL_E_LIMIT', `${where}: more than ${MAX_DEVICES_PER_LEVEL} devices`);
    }
    if (new Set(s.devices).size !== s.devices.length) {
      throw new VigilError('VGL_E_CONFIG', `${where}: a device is listed twice`);
    }
    for (const d of s.devices) {
      if (!deviceIds.has(d)) {
        throw new VigilError('VGL_E_CONFIG', `${where}: unknown fence device '${d}'`, {
          device: d,
        });
      }
    }
    const key = `${s.target ?? `/${s.targetPattern ?? ''}/`}#${s.index}`;
    if (seen.has(key)) {
      throw new VigilError('VGL_E_CONFIG', `${where}: another level has the same target and index`);
    }
    seen.add(key);
    return {
      index: s.index,
      devices: [...s.devices],
      ...(s.target !== undefined ? { target: s.target } : {}),
      ...(pattern !== undefined ? { pattern } : {}),
    };
  });
}

/**
 * The levels that apply to `node`, in index order. Levels naming the node exactly take
 * precedence: pattern levels are used only when no level names the node. Two pattern levels with
 * the same index matching the same node are a configuration error, reported here.
 */
export function levelsFor(levels: readonly FenceLevel[], node: string): FenceLevel[] {
  const exact = levels.filter((l) => l.target === node);
  const chosen = exact.length > 0 ? exact : levels.filter((l) => l.pattern?.test(node) ?? false);
  const sorted = [...chosen].sort((a, b) => a.index - b.index);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.index === sorted[i - 1]!.index) {
      throw new VigilError(
        'VGL_E_CONFIG',
        `two fencing levels with index ${sorted[i]!.index} match node ${node}`,
        { node, index: sorted[i]!.index },
      );
    }
  }
  return sorted;
}
