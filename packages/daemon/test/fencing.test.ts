import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '@vigil/base';
import { NodeProcessRunner } from '@vigil/executor';
import { isAlive, needs, tempDir, waitFor } from '@vigil/testkit';
import { parseClusterConfig } from '../src/config/index.js';
import { NodeFencing, fenceDeviceSpecs, fenceLevelSpecs } from '../src/node/fencing.js';

/**
 * vigild's fencing is the executor's AgentFencer configured from the YAML: these tests check the
 * mapping, then fence a real "node" (a process tagged the way vigild's processes are) with the
 * real fence_vigil through a two-level topology whose first level fails.
 */
function config(fencing: string): string {
  return `cluster: f
nodes:
  - { name: a, links: [127.0.0.1:7001] }
  - { name: b, links: [127.0.0.1:7002] }
  - { name: c, links: [127.0.0.1:7003] }
fencing:
${fencing}`;
}

describe('fencing from the cluster config', () => {
  it('maps devices (host map, delays, timeouts) and topology onto the fencer', () => {
    const cfg = parseClusterConfig(
      config(`  devices:
    - id: pdu
      agent: fence_apc
      params: { ip: 10.0.0.5, username: admin }
      hostMap: { a: "1", b: "2" }
      delayBaseMs: 200
      delayMaxMs: 300
      timeoutMs: 15000
    - id: ipmi-a
      agent: fence_ipmilan
      params: { ip: 10.0.0.11, pcmk_host_list: a }
  topology:
    a: [[ipmi-a], [pdu]]
`),
    );
    const specs = fenceDeviceSpecs(cfg);
    assert.deepEqual(
      specs.map((d) => d.id),
      ['pdu', 'ipmi-a'],
    );
    const pdu = specs[0]!.params!;
    const ipmi = specs[1]!.params!;
    assert.equal(pdu.pcmk_host_map, 'a:1;b:2');
    assert.equal(pdu.pcmk_delay_base, '200ms');
    // delayMaxMs is the random part on top of the base; pcmk_delay_max bounds the total.
    assert.equal(pdu.pcmk_delay_max, '500ms');
    assert.equal(pdu.pcmk_reboot_timeout, '15000ms');
    assert.equal(pdu.ip, '10.0.0.5');
    assert.equal(ipmi.pcmk_host_map, undefined);
    assert.equal(ipmi.pcmk_host_list, 'a');
    assert.deepEqual(fenceLevelSpecs(cfg), [
      { index: 1, target: 'a', devices: ['ipmi-a'] },
      { index: 2, target: 'a', devices: ['pdu'] },
    ]);
    // The fencer accepts the result (it validates every pcmk_* attribute).
    const f = new NodeFencing(cfg, { runner: new NodeProcessRunner(), log: () => undefined });
    assert.equal(f.fencer.device('pdu').delayMaxMs, 500);
  });

  it('rejects a device the fencer would refuse, naming the field', () => {
    try {
      parseClusterConfig(
        config(`  devices:
    - { id: d1, agent: fence_vigil, params: { pcmk_delay_bogus: "1s" } }
`),
      );
      assert.fail('expected VGL_E_CONFIG');
    } catch (e) {
      assert.ok(e instanceof VigilError);
      assert.equal(e.code, 'VGL_E_CONFIG');
      const ps = e.details.problems as { path: string; message: string }[];
      assert.ok(
        ps.some(
          (p) => p.path === 'fencing.devices[0].params' && /pcmk_delay_bogus/.test(p.message),
        ),
        JSON.stringify(ps),
      );
    }
  });
});

describe('fencing a node with fence_vigil', needs('cmd:grep'), () => {
  it('falls through a failing level to the next and confirms the node off', async () => {
    await using dir = await tempDir('fencing');
    const tagprefix = `vigil-fencing-test-${process.pid}-`;
    const fenceLog = join(dir.path, 'fence.log');
    const cfg = parseClusterConfig(
      config(`  devices:
    - id: broken
      agent: fence_vigil
      params: { state_dir: ${join(dir.path, 'missing')}, vigil_verify: none }
      hostMap: { a: a, b: b }
    - id: tags
      agent: fence_vigil
      params: { piddir: "", tagprefix: ${tagprefix}, log: ${fenceLog} }
      hostMap: { a: a, b: b }
      delayBaseMs: 50
  topology:
    a: [[broken], [tags]]
`),
    );
    // Node a: a process carrying a's tag, in its own session, as vigild's processes do.
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
            return (
              readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`${tagprefix}a`) || undefined
            );
          } catch {
            return undefined;
          }
        },
        { timeoutMs: 20_000, what: 'the tagged process' },
      );
      const lines: string[] = [];
      const f = new NodeFencing(cfg, {
        runner: new NodeProcessRunner(),
        log: (l) => lines.push(l),
      });
      const r = await f.fence('a', 'off');
      assert.equal(r.ok, true, r.reason);
      assert.deepEqual(r.levelsTried, [1, 2]);
      const first = r.attempts[0]!;
      assert.equal(first.device, 'broken');
      assert.equal(first.ok, false);
      assert.match(first.reason, /does not exist/);
      const last = r.attempts.at(-1)!;
      assert.equal(last.device, 'tags');
      assert.equal(last.ok, true);
      assert.equal(last.delayBaseMs, 50);
      assert.equal(last.verified, 'off');
      await waitFor(() => !isAlive(pid) || undefined, { timeoutMs: 20_000, what: 'a to be gone' });
      assert.match(readFileSync(fenceLog, 'utf8'), /fence_vigil off a: off/);
      assert.ok(
        lines.some((l) => /level 2 with tags: ok/.test(l)),
        lines.join('\n'),
      );
      assert.equal(f.history('a').length, 1);
      // Node c is in no device's host map: no device can fence it.
      const c = await f.fence('c', 'off');
      assert.equal(c.ok, false);
      assert.equal(c.code, 'VGL_E_FENCE_FAILED');
    } finally {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
});
