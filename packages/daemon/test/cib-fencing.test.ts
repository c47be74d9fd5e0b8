import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isVigilError } from '@vigil/base';
import type { Configuration } from '@vigil/cib';
import { cibFencing, configFromCibXml } from '@vigil/controller';
import { NodeProcessRunner } from '@vigil/executor';
import { needs, tempDir, waitFor } from '@vigil/testkit';
import { parseClusterConfig, type ClusterConfig } from '../src/config/index.js';
import {
  NodeFencing,
  checkCibFencing,
  fencerPlan,
  fencerPlanProblems,
} from '../src/node/fencing.js';

/**
 * The DC's fencer built from the cluster file and the CIB together: precedence, what the fencer
 * refuses (named, before a change is proposed), and a rebuild on a CIB change that keeps the
 * history and lets a fencing request in progress finish (with the real fence_vigil).
 */
function clusterFile(fencing: string): ClusterConfig {
  return parseClusterConfig(`cluster: f
nodes:
  - { name: a, links: [127.0.0.1:7001] }
  - { name: b, links: [127.0.0.1:7002] }
  - { name: c, links: [127.0.0.1:7003] }
${fencing}`);
}

function cibConfig(resources: string, topology = ''): Configuration {
  return configFromCibXml(`<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes/><resources>${resources}</resources><constraints/>
  <fencing-topology>${topology}</fencing-topology></configuration><status/></cib>`).config;
}

const stonith = (id: string, type: string, params: Record<string, string>, stopped = false) =>
  `<primitive id="${id}" class="stonith" type="${type}">
    <instance_attributes id="${id}-ia">${Object.entries(params)
      .map(([k, v]) => `<nvpair id="${id}-${k}" name="${k}" value="${v}"/>`)
      .join('')}</instance_attributes>
    ${stopped ? `<meta_attributes id="${id}-m"><nvpair id="${id}-tr" name="target-role" value="Stopped"/></meta_attributes>` : ''}
  </primitive>`;

const YAML = `fencing:
  devices:
    - { id: fv, agent: fence_vigil, params: { piddir: "" }, hostMap: { a: a, b: b, c: c } }
    - { id: ipmi, agent: fence_ipmilan, params: { ip: 10.0.0.1 }, hostMap: { a: "1" } }
  topology:
    a: [[ipmi], [fv]]
    b: [[fv]]
`;

function problemsOf(f: () => void): string[] {
  try {
    f();
  } catch (e) {
    assert.ok(isVigilError(e), String(e));
    assert.equal(e.code, 'VGL_E_CIB_INVALID');
    return e.details.problems as string[];
  }
  assert.fail('expected VGL_E_CIB_INVALID');
}

describe("the DC's fencer from the cluster file and the CIB", () => {
  it('merges devices and levels: the CIB wins on a device id and on a node it names', () => {
    const cfg = clusterFile(YAML);
    const config = cibConfig(
      stonith('ipmi', 'fence_ipmilan', { ip: '10.9.9.9', pcmk_host_list: 'a' }) +
        stonith('cib-fv', 'fence_vigil', { piddir: '', pcmk_host_map: 'b:b;c:c' }) +
        stonith('spare', 'fence_dummy', {}, true),
      `<fencing-level id="lb" target="b" index="1" devices="cib-fv"/>
       <fencing-level id="lc" target-pattern="^c$" index="1" devices="cib-fv"/>
       <fencing-level id="ls" target="c" index="2" devices="spare"/>`,
    );
    const plan = fencerPlan(cfg, cibFencing(config));
    assert.deepEqual(
      plan.devices.map((d) => [d.id, d.agent, plan.sources.get(d.id)]),
      [
        ['fv', 'fence_vigil', 'cluster file'],
        ['ipmi', 'fence_ipmilan', 'CIB'],
        ['cib-fv', 'fence_vigil', 'CIB'],
      ],
    );
    assert.equal(plan.devices[1]?.params?.ip, '10.9.9.9', "the CIB's ipmi");
    assert.deepEqual(plan.topology, [
      { index: 1, target: 'a', devices: ['ipmi'] },
      { index: 2, target: 'a', devices: ['fv'] },
      { index: 1, target: 'b', devices: ['cib-fv'] },
      { index: 1, targetPattern: '^c$', devices: ['cib-fv'] },
    ]);
    assert.deepEqual(plan.disabled, [{ id: 'spare', agent: 'fence_dummy' }]);
    const notes = plan.notes.join('\n');
    assert.match(
      notes,
      /fence device ipmi: the CIB's definition \(stonith:fence_ipmilan\) replaces/,
    );
    assert.match(notes, /fencing topology of b: the CIB's levels replace the cluster file's/);
    assert.match(notes, /fencing-level ls .* names disabled device spare: not used/);
    assert.doesNotMatch(notes, /topology of a/);
  });

  it("a CIB device disabled under a cluster file's id takes it out, with its levels", () => {
    const cfg = clusterFile(YAML);
    const plan = fencerPlan(
      cfg,
      cibFencing(
        cibConfig(
          stonith('ipmi', 'fence_ipmilan', { ip: '10.0.0.1' }, true),
          // Naming only the disabled device, this level is not in use: a keeps the file's.
          '<fencing-level id="la" target="a" index="1" devices="ipmi"/>',
        ),
      ),
    );
    assert.doesNotMatch(plan.notes.join('\n'), /topology of a/);
    assert.match(plan.notes.join('\n'), /fencing-level la .* names disabled device ipmi/);
    assert.deepEqual(
      plan.devices.map((d) => d.id),
      ['fv'],
    );
    assert.deepEqual(plan.topology, [
      { index: 2, target: 'a', devices: ['fv'] },
      { index: 1, target: 'b', devices: ['fv'] },
    ]);
    assert.deepEqual(fencerPlanProblems(plan, []), []);
  });

  it('names every device and level the fencer would refuse, and refuses the change', () => {
    const cfg = clusterFile('');
    const before = cibConfig('');
    const after = cibConfig(
      stonith('nosuch', 'fence_nosuchagent', {}) +
        stonith('badattr', 'fence_vigil', { pcmk_delay_bogus: '1s' }) +
        stonith('badmap', 'fence_vigil', { pcmk_host_map: 'a' }) +
        stonith('ok', 'fence_vigil', { pcmk_host_list: 'a b' }),
      `<fencing-level id="l1" target="a" index="1" devices="ok,ghost"/>
       <fencing-level id="l2" target="b" index="1" devices="ok"/>
       <fencing-level id="l3" target-pattern="[" index="1" devices="ok"/>`,
    );
    const ps = problemsOf(() => checkCibFencing(cfg, before, after, []));
    assert.equal(ps.length, 5, ps.join('\n'));
    assert.match(
      ps[0]!,
      /^fence device 'nosuch' \(stonith:fence_nosuchagent\): fence agent fence_nosuchagent not found/,
    );
    assert.match(
      ps[1]!,
      /^fence device 'badattr' \(stonith:fence_vigil\): unknown fencer attribute\(s\) pcmk_delay_bogus/,
    );
    assert.match(
      ps[2]!,
      /^fence device 'badmap' \(stonith:fence_vigil\): pcmk_host_map: .*expected node:plug/,
    );
    assert.doesNotMatch(ps[2]!, /pcmk_host_map: pcmk_host_map/, 'the attribute named once');
    assert.match(ps[3]!, /^fencing level \(index 1, target a\): unknown fence device 'ghost'/);
    assert.match(
      ps[4]!,
      /^fencing level \(index 1, pattern \[\): .*not a valid regular expression/,
    );
    // The same configuration again, with another change beside: its problems are not new.
    const other = cibConfig(
      stonith('nosuch', 'fence_nosuchagent', {}) + stonith('ok', 'fence_vigil', {}),
    );
    const more = cibConfig(
      stonith('nosuch', 'fence_nosuchagent', {}) +
        stonith('ok', 'fence_vigil', { pcmk_delay_base: '1s' }),
    );
    checkCibFencing(cfg, other, more, []);
    // A change that leaves the fencing part as it is passes unchecked.
    checkCibFencing(cfg, other, other, []);
    // A CIB level naming a cluster file device is fine.
    checkCibFencing(
      clusterFile(YAML),
      before,
      cibConfig('', '<fencing-level id="lc" target="c" index="1" devices="fv"/>'),
      [],
    );
  });
});

describe('rebuilding the fencer on a CIB change (real fence_vigil)', needs('cmd:grep'), () => {
  it('keeps the history; a request in progress finishes on the fencer that started it', async () => {
    await using dir = await tempDir('cib-fencing');
    const tagprefix = `vigil-cibf-test-${process.pid}-`;
    const fenceLog = join(dir.path, 'fence.log');
    const child = spawn('sleep', ['600'], {
      env: { ...process.env, VIGIL_FENCE_TAG: `${tagprefix}a` },
      stdio: 'ignore',
      detached: true,
    });
    const pid = child.pid!;
    child.unref();
    try {
      await waitFor(
        () => {
          try {
            return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(tagprefix) || undefined;
          } catch {
            return undefined;
          }
        },
        { timeoutMs: 20_000, what: 'the tagged process' },
      );
      const lines: string[] = [];
      const f = new NodeFencing(clusterFile(''), {
        runner: new NodeProcessRunner(),
        log: (l) => lines.push(l),
      });
      assert.deepEqual(f.fencer.deviceIds, [], 'the cluster file has no device');
      const params = { piddir: '', tagprefix, log: fenceLog, pcmk_host_map: 'a:a' };
      const v1 = cibConfig(
        stonith('cib-fv', 'fence_vigil', { ...params, pcmk_delay_base: '400ms' }),
      );
      assert.equal(f.update(v1, 'v1'), true);
      assert.equal(
        f.update(
          cibConfig(
            stonith('cib-fv', 'fence_vigil', { ...params, pcmk_delay_base: '400ms' }) +
              '<primitive id="web" class="ocf" provider="heartbeat" type="Dummy"/>',
          ),
          'v2',
        ),
        false,
        'not rebuilt for a change elsewhere',
      );
      assert.deepEqual(
        f.devices.map((d) => [d.id, d.agent, d.source, d.state]),
        [['cib-fv', 'stonith:fence_vigil', 'CIB', 'Started']],
      );
      const first = f.fencer;
      const fencing = f.fence('a', 'off');
      // During the device's 400 ms delay, the CIB changes: no delay, and a second device.
      await waitFor(() => (first.running > 0 ? true : undefined), {
        timeoutMs: 5_000,
        what: 'the request running',
      });
      const v3 = cibConfig(
        stonith('cib-fv', 'fence_vigil', params) +
          stonith('spare', 'fence_vigil', { piddir: '', pcmk_host_list: 'z' }),
      );
      assert.equal(f.update(v3, 'v3'), true);
      assert.notEqual(f.fencer, first);
      assert.deepEqual(f.fencer.deviceIds, ['cib-fv', 'spare']);
      const r = await fencing;
      assert.equal(r.ok, true, r.reason);
      assert.equal(r.attempts[0]!.device, 'cib-fv');
      assert.equal(r.attempts[0]!.delayBaseMs, 400, "the old fencer's configuration");
      assert.match(readFileSync(fenceLog, 'utf8'), /fence_vigil off a: off/);
      assert.ok(
        lines.some((l) => /fencing requests in progress finish on the previous one/.test(l)),
        lines.join('\n'),
      );
      // The new fencer answers, and the history holds both requests, numbered in order.
      const st = await f.fence('a', 'off');
      assert.equal(st.ok, true, st.reason);
      assert.equal(st.attempts[0]?.delayBaseMs, 0, "the new fencer's configuration");
      const h = f.history('a');
      assert.deepEqual(
        h.map((x) => x.id),
        [r.id, st.id],
      );
      assert.ok(st.id > r.id);
    } finally {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
});
