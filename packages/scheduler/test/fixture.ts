/**
 * Small hand-written CIBs for behaviour tests: a few nodes, a few Dummy resources, constraints,
 * and an operation history per node. `run` schedules one and returns its Transition Summary lines,
 * whitespace-normalised, so tests compare against lines written by hand.
 */
import { readCib } from '@vigil/cib';
import {
  explain,
  formatSummaryLines,
  normaliseSummary,
  schedule,
  type Transition,
} from '@vigil/scheduler';

const DIGEST = 'f2317cad3d54cec5d7d7aa7d0bf35cf8';

export interface OpSpec {
  readonly op: string;
  readonly rc?: number;
  readonly intervalMs?: number;
  readonly call: number;
  /** Execution status (0 done, 4 error…). */
  readonly status?: number;
  /** The rc the controller expected (the transition key's); default 7 for probes, else 0. */
  readonly target?: number;
  /** Entry id (default rsc_op_interval_call) and operation_key (default: none recorded). */
  readonly id?: string;
  readonly key?: string;
  readonly lastRcChange?: number;
}

/** An lrm_rsc_op; the expected rc is 7 for probes and 0 otherwise. */
export function op(rsc: string, o: OpSpec): string {
  const interval = o.intervalMs ?? 0;
  const target = o.target ?? (o.op === 'monitor' && interval === 0 ? 7 : 0);
  const id = o.id ?? `${rsc}_${o.op}_${interval}_${o.call}`;
  const key = o.key === undefined ? '' : ` operation_key="${o.key}"`;
  const lrc = o.lastRcChange === undefined ? '' : ` last-rc-change="${o.lastRcChange}"`;
  return (
    `<lrm_rsc_op id="${id}"${key}${lrc} operation="${o.op}" call-id="${o.call}"` +
    ` rc-code="${o.rc ?? 0}" op-status="${o.status ?? 0}" interval="${interval}"` +
    ` transition-key="1:1:${target}:x" crm_feature_set="3.0.14" op-digest="${DIGEST}"/>`
  );
}

export const started = (rsc: string, call = 2): string[] => [op(rsc, { op: 'start', call })];
export const probedStopped = (rsc: string, call = 1): string[] => [
  op(rsc, { op: 'monitor', rc: 7, call }),
];

function nvs(tag: string, id: string, kv: Record<string, string> | undefined): string {
  if (!kv || Object.keys(kv).length === 0) return '';
  const pairs = Object.entries(kv)
    .map(([k, v]) => `<nvpair id="${id}-${k}" name="${k}" value="${v}"/>`)
    .join('');
  return `<${tag} id="${id}">${pairs}</${tag}>`;
}

/** A primitive that needs capacities (`<utilization>`). */
export function primUsing(
  id: string,
  need: Record<string, string>,
  meta?: Record<string, string>,
): string {
  return prim(id, meta).replace(
    '</primitive>',
    `${nvs('utilization', `${id}-u`, need)}</primitive>`,
  );
}

export function prim(id: string, meta?: Record<string, string>, ops = ''): string {
  const cls = id.startsWith('fence')
    ? 'class="stonith" type="fence_dummy"'
    : 'class="ocf" provider="pacemaker" type="Dummy"';
  return `<primitive id="${id}" ${cls}>${nvs('meta_attributes', `${id}-meta`, meta)}${ops === '' ? '' : `<operations>${ops}</operations>`}</primitive>`;
}

export function group(id: string, members: string[], meta?: Record<string, string>): string {
  return `<group id="${id}">${nvs('meta_attributes', `${id}-meta`, meta)}${members.join('')}</group>`;
}

export function clone(id: string, child: string, meta?: Record<string, string>): string {
  return `<clone id="${id}">${nvs('meta_attributes', `${id}-meta`, meta)}${child}</clone>`;
}

export interface NodeSpec {
  readonly name: string;
  /**
   * online (default), offline (left cleanly), lost (dropped out unexpectedly), unseen (the
   * membership never recorded it), process-down (in the membership, its cluster process gone).
   */
  readonly state?: 'online' | 'offline' | 'lost' | 'unseen' | 'process-down';
  readonly attrs?: Record<string, string>;
  readonly transient?: Record<string, string>;
  /** Resource id → its operations on this node. */
  readonly history?: Record<string, string[]>;
}

export interface CibSpec {
  readonly nodes: NodeSpec[];
  readonly resources: string;
  readonly constraints?: string | undefined;
  readonly props?: Record<string, string> | undefined;
  readonly quorum?: boolean | undefined;
  /** Capacities per node name (`<utilization>`). */
  readonly capacity?: Record<string, Record<string, string>> | undefined;
  /** Extra attributes of the <cib> element. */
  readonly cibAttrs?: Record<string, string> | undefined;
}

export function cibXml(s: CibSpec): string {
  const props = { 'stonith-enabled': 'false', ...s.props };
  const nodes = s.nodes
    .map(
      (n) =>
        `<node id="${n.name}" uname="${n.name}">${nvs('instance_attributes', `${n.name}-na`, n.attrs)}` +
        `${nvs('utilization', `${n.name}-u`, s.capacity?.[n.name])}</node>`,
    )
    .join('');
  const states = s.nodes
    .map((n) => {
      const st = n.state ?? 'online';
      const flags =
        st === 'online'
          ? 'in_ccm="true" crmd="online" join="member" expected="member"'
          : st === 'offline'
            ? 'in_ccm="false" crmd="offline" join="down" expected="down"'
            : st === 'unseen'
              ? 'crmd="offline" join="down"'
              : st === 'process-down'
                ? 'in_ccm="true" crmd="offline" join="member" expected="member"'
                : 'in_ccm="false" crmd="offline" join="member" expected="member"';
      const lrm = Object.entries(n.history ?? {})
        .map(([rid, ops]) => {
          const cls = rid.startsWith('fence')
            ? 'class="stonith" type="fence_dummy"'
            : 'class="ocf" provider="pacemaker" type="Dummy"';
          return `<lrm_resource id="${rid}" ${cls}>${ops.join('')}</lrm_resource>`;
        })
        .join('');
      const ta =
        n.transient === undefined
          ? ''
          : `<transient_attributes id="${n.name}-t">${nvs('instance_attributes', `${n.name}-ta`, n.transient)}</transient_attributes>`;
      return `<node_state id="${n.name}" uname="${n.name}" ${flags}>${ta}<lrm id="${n.name}"><lrm_resources>${lrm}</lrm_resources></lrm></node_state>`;
    })
    .join('');
  const extra = Object.entries(s.cibAttrs ?? {})
    .map(([k, v]) => ` ${k}="${v}"`)
    .join('');
  return (
    `<cib crm_feature_set="3.0.14" validate-with="pacemaker-3.0" epoch="1" num_updates="1"` +
    ` admin_epoch="0" have-quorum="${s.quorum === false ? '0' : '1'}" dc-uuid="${s.nodes[0]!.name}"${extra}>` +
    `<configuration><crm_config>${nvs('cluster_property_set', 'opts', props)}</crm_config>` +
    `<nodes>${nodes}</nodes><resources>${s.resources}</resources>` +
    `<constraints>${s.constraints ?? ''}</constraints></configuration>` +
    `<status>${states}</status></cib>`
  );
}

export function scheduleSpec(s: CibSpec): Transition {
  return schedule({ cib: readCib(cibXml(s)).cib, nowSec: 1_700_000_000 });
}

/** The Transition Summary, whitespace removed, for comparison with hand-written lines. */
export function run(s: CibSpec): string[] {
  return normaliseSummary(formatSummaryLines(scheduleSpec(s).summary));
}

/** Hand-written expected lines, normalised the same way. */
export function lines(...l: string[]): string[] {
  return normaliseSummary(l);
}

export function explainSpec(s: CibSpec, rsc: string): ReturnType<typeof explain> {
  return explain(scheduleSpec(s), rsc);
}
