// Synthetic CIBs for bench/scheduler: nodes, primitives, groups, anonymous clones, a promotable
// clone and location/colocation/order constraints (some with clones and the promoted role), in
// two states: "fresh" (no history: everything is probed on every node, then started) and "full"
// (each resource running with its start and monitor recorded, "not running" probes elsewhere,
// one node in standby and about 1 % of the primitives' monitors failed).
//
// The history carries the operation digests Pacemaker 2.1.5 records, so neither tool sees a
// resource definition change: the digest of the (empty) parameter set for one-shot operations,
// and of the parameters plus the operation timeout for recurring monitors. They are computed here
// with the same MD5 over Pacemaker's parameter text and checked against crm_simulate by the
// bench (an unchanged CIB must show no restarts beyond the failed monitors).
import { createHash } from 'node:crypto';

export interface GenOptions {
  readonly nodes: number;
  /** Primitive definitions (group members and clone children included). */
  readonly resources: number;
  readonly history: 'fresh' | 'full';
  readonly seed?: number;
}

/** mulberry32: a small seeded PRNG, so each size is the same file every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The digest Pacemaker records over a parameter set (sorted names, its XML text). */
function digest(params: Record<string, string>): string {
  const names = Object.keys(params).sort();
  const body = names.map((k) => `${k}="${params[k]!}"`).join(' ');
  const text = body === '' ? ' <parameters/>\n' : ` <parameters ${body}/>\n`;
  return createHash('md5').update(text).digest('hex');
}
const ONESHOT_DIGEST = digest({});
const MONITOR_DIGEST = digest({ CRM_meta_timeout: '20000' });
const UUID = '00000000-0000-0000-0000-000000000000';

type Top =
  | { kind: 'primitive'; id: string }
  | { kind: 'group'; id: string; members: string[] }
  | { kind: 'clone'; id: string; child: string }
  | { kind: 'promotable'; id: string; child: string };

export function generateCib(o: GenOptions): string {
  const rand = rng(o.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const nodes = Array.from({ length: o.nodes }, (_, i) => `node${String(i + 1).padStart(2, '0')}`);
  const full = o.history === 'full';
  // Shape: one anonymous clone per 200 primitives, one promotable clone, 20 % of the rest in
  // groups of four, the others standalone.
  const nClones = Math.max(1, Math.floor(o.resources / 200));
  const nPlain = o.resources - nClones - 1;
  const nGrouped = Math.floor((nPlain * 0.2) / 4) * 4;
  const prim = (i: number): string => `r${String(i + 1).padStart(5, '0')}`;
  const tops: Top[] = [];
  for (let g = 0; g < nGrouped / 4; g++) {
    tops.push({
      kind: 'group',
      id: `g${String(g + 1).padStart(4, '0')}`,
      members: [0, 1, 2, 3].map((k) => prim(g * 4 + k)),
    });
  }
  for (let i = nGrouped; i < nPlain; i++) tops.push({ kind: 'primitive', id: prim(i) });
  for (let c = 0; c < nClones; c++) {
    const n = String(c + 1).padStart(3, '0');
    tops.push({ kind: 'clone', id: `cl${n}`, child: `cd${n}` });
  }
  tops.push({ kind: 'promotable', id: 'ms001', child: 'st001' });
  const groups = tops.filter((t) => t.kind === 'group');
  const standalone = tops.filter((t) => t.kind === 'primitive');
  const clones = tops.filter((t) => t.kind === 'clone');
  const ms = tops.find((t) => t.kind === 'promotable')!;
  const placeable = [...groups, ...standalone];

  const out: string[] = [];
  const w = (s: string): number => out.push(s);
  w(
    `<cib admin_epoch="0" epoch="1" num_updates="0" dc-uuid="${nodes[0]!}" have-quorum="1" validate-with="pacemaker-3.7" crm_feature_set="3.16.1" execution-date="1767225600">`,
  );
  w('  <configuration>');
  w('    <crm_config>');
  w('      <cluster_property_set id="cib-bootstrap-options">');
  w('        <nvpair id="opt-stonith-enabled" name="stonith-enabled" value="false"/>');
  w('      </cluster_property_set>');
  w('    </crm_config>');
  w('    <nodes>');
  nodes.forEach((n, i) => {
    if (full && i === 0) {
      w(`      <node id="${n}" uname="${n}" type="member">`);
      w(`        <instance_attributes id="${n}-ia">`);
      w(`          <nvpair id="${n}-standby" name="standby" value="on"/>`);
      w('        </instance_attributes>');
      w('      </node>');
    } else w(`      <node id="${n}" uname="${n}" type="member"/>`);
  });
  w('    </nodes>');
  w('    <rsc_defaults>');
  w('      <meta_attributes id="rsc-defaults">');
  w('        <nvpair id="rsc-defaults-stickiness" name="resource-stickiness" value="100"/>');
  w('      </meta_attributes>');
  w('    </rsc_defaults>');
  w('    <resources>');
  const dummy = (id: string, indent: string): void => {
    w(`${indent}<primitive id="${id}" class="ocf" provider="pacemaker" type="Dummy">`);
    w(`${indent}  <operations>`);
    w(`${indent}    <op id="${id}-monitor-10s" name="monitor" interval="10s" timeout="20s"/>`);
    w(`${indent}  </operations>`);
    w(`${indent}</primitive>`);
  };
  for (const t of tops) {
    switch (t.kind) {
      case 'primitive':
        dummy(t.id, '      ');
        break;
      case 'group':
        w(`      <group id="${t.id}">`);
        for (const m of t.members) dummy(m, '        ');
        w('      </group>');
        break;
      case 'clone':
        w(`      <clone id="${t.id}">`);
        dummy(t.child, '        ');
        w('      </clone>');
        break;
      case 'promotable':
        w(`      <clone id="${t.id}">`);
        w(`        <meta_attributes id="${t.id}-meta">`);
        w(`          <nvpair id="${t.id}-promotable" name="promotable" value="true"/>`);
        w(`          <nvpair id="${t.id}-promoted-max" name="promoted-max" value="1"/>`);
        w('        </meta_attributes>');
        w(`        <primitive id="${t.child}" class="ocf" provider="pacemaker" type="Stateful">`);
        w('          <operations>');
        w(
          `            <op id="${t.child}-monitor-10s" name="monitor" interval="10s" timeout="20s" role="Promoted"/>`,
        );
        w(
          `            <op id="${t.child}-monitor-11s" name="monitor" interval="11s" timeout="20s" role="Unpromoted"/>`,
        );
        w('          </operations>');
        w('        </primitive>');
        w('      </clone>');
        break;
    }
  }
  w('    </resources>');

  // Constraints. Node-level preferences and pairs among groups and primitives, as a real
  // configuration has them; then each clone carries a few primitives that need it (colocated
  // and ordered after it), and one group follows the promoted instance.
  w('    <constraints>');
  const shuffled = [...placeable].sort(() => rand() - 0.5);
  const nLoc = Math.floor(placeable.length * 0.3);
  for (let i = 0; i < nLoc; i++) {
    const score =
      i % 10 === 0
        ? pick(['50', '100', '200', '-INFINITY', 'INFINITY'])
        : pick(['50', '100', '200']);
    w(
      `      <rsc_location id="loc-${i}" rsc="${shuffled[i]!.id}" node="${pick(nodes)}" score="${score}"/>`,
    );
  }
  const pair = (): [Top, Top] => {
    const a = pick(placeable);
    let b = pick(placeable);
    while (b === a) b = pick(placeable);
    return [a, b];
  };
  for (let i = 0; i < Math.floor(placeable.length * 0.1); i++) {
    const [a, b] = pair();
    const score = pick(['INFINITY', '500', '-500', '-INFINITY']);
    w(`      <rsc_colocation id="col-${i}" rsc="${a.id}" with-rsc="${b.id}" score="${score}"/>`);
  }
  for (let i = 0; i < Math.floor(placeable.length * 0.1); i++) {
    const [a, b] = pair();
    const kind = pick(['Mandatory', 'Optional']);
    w(`      <rsc_order id="ord-${i}" first="${a.id}" then="${b.id}" kind="${kind}"/>`);
  }
  const users = new Set<string>();
  for (const c of clones) {
    for (let k = 0; k < 3; k++) {
      let u = pick(standalone);
      while (users.has(u.id)) u = pick(standalone);
      users.add(u.id);
      w(
        `      <rsc_colocation id="col-${u.id}-${c.id}" rsc="${u.id}" with-rsc="${c.id}" score="INFINITY"/>`,
      );
      w(
        `      <rsc_order id="ord-${c.id}-${u.id}" first="${c.id}" then="${u.id}" kind="Mandatory"/>`,
      );
    }
  }
  const promotedNode = nodes[Math.min(1, nodes.length - 1)]!;
  w(
    `      <rsc_location id="loc-${ms.id}-promoted" rsc="${ms.id}" role="Promoted" node="${promotedNode}" score="100"/>`,
  );
  if (groups.length > 0) {
    const g = groups[0]!;
    w(
      `      <rsc_colocation id="col-${g.id}-${ms.id}" rsc="${g.id}" with-rsc="${ms.id}" with-rsc-role="Promoted" score="INFINITY"/>`,
    );
    w(
      `      <rsc_order id="ord-${ms.id}-${g.id}" first="${ms.id}" first-action="promote" then="${g.id}" then-action="start" kind="Mandatory"/>`,
    );
  }
  w('    </constraints>');
  w('  </configuration>');

  // Status.
  w('  <status>');
  const where = new Map<string, string>();
  const failed = new Set<string>();
  if (full) {
    const usable = nodes.length > 1 ? nodes.slice(1) : nodes;
    for (const g of groups) {
      // The group that follows the promoted instance runs with it.
      const n = g === groups[0] ? promotedNode : pick(usable);
      for (const m of g.members) where.set(m, n);
    }
    for (const p of standalone) where.set(p.id, pick(nodes));
    // Clone users run where they may: anywhere (the clones run everywhere).
    const prims = [...where.keys()];
    const nFailed = Math.floor(prims.length * 0.01);
    while (failed.size < nFailed) failed.add(pick(prims));
  }
  const call = new Map(nodes.map((n) => [n, 0]));
  const op = (
    rsc: string,
    node: string,
    task: string,
    intervalMs: number,
    rc: number,
    target: number,
  ): void => {
    const c = call.get(node)! + 1;
    call.set(node, c);
    const key = `1:1:${target}:${UUID}`;
    const id = intervalMs === 0 ? `${rsc}_last_0` : `${rsc}_${task}_${intervalMs}`;
    const dg = intervalMs === 0 ? ONESHOT_DIGEST : MONITOR_DIGEST;
    w(
      `          <lrm_rsc_op id="${id}" operation_key="${rsc}_${task}_${intervalMs}" operation="${task}" crm-debug-origin="bench" crm_feature_set="3.16.1" transition-key="${key}" transition-magic="0:${rc};${key}" exit-reason="" on_node="${node}" call-id="${c}" rc-code="${rc}" op-status="0" interval="${intervalMs}" last-rc-change="1767225000" exec-time="10" queue-time="0" op-digest="${dg}"/>`,
    );
  };
  const lrmResource = (id: string, type: string, body: () => void): void => {
    w(`        <lrm_resource id="${id}" class="ocf" provider="pacemaker" type="${type}">`);
    body();
    w('        </lrm_resource>');
  };
  for (const n of nodes) {
    w(
      `    <node_state id="${n}" uname="${n}" in_ccm="true" crmd="online" crm-debug-origin="bench" join="member" expected="member">`,
    );
    w(`      <lrm id="${n}">`);
    w('        <lrm_resources>');
    if (full) {
      for (const [r, at] of where) {
        lrmResource(r, 'Dummy', () => {
          if (at === n) {
            op(r, n, 'start', 0, 0, 0);
            op(r, n, 'monitor', 10000, failed.has(r) ? 7 : 0, 0);
          } else op(r, n, 'monitor', 0, 7, 7);
        });
      }
      // Anonymous clones run on every node; their history is kept under the child's id.
      for (const c of clones) {
        lrmResource(c.child, 'Dummy', () => {
          op(c.child, n, 'start', 0, 0, 0);
          op(c.child, n, 'monitor', 10000, 0, 0);
        });
      }
      lrmResource(ms.child, 'Stateful', () => {
        // Only the last one-shot operation is kept (`_last_0`): the promote, where promoted.
        if (n === promotedNode) {
          op(ms.child, n, 'promote', 0, 0, 0);
          op(ms.child, n, 'monitor', 10000, 8, 8);
        } else {
          op(ms.child, n, 'start', 0, 0, 0);
          op(ms.child, n, 'monitor', 11000, 0, 0);
        }
      });
    }
    w('        </lrm_resources>');
    w('      </lrm>');
    w('    </node_state>');
  }
  w('  </status>');
  w('</cib>');
  return out.join('\n') + '\n';
}
