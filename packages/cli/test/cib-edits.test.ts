import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  applyEntry,
  configToCibXml,
  emptyCib,
  primitives,
  type Cib,
  type CibEntry,
} from '@vigil/controller';
import { needs, run, tempDir } from '@vigil/testkit';
import { demoConfiguration } from '../src/commands/demo.js';
import { parsePrimitive } from '../src/commands/resource.js';

/**
 * What the CLI's changes build is a Pacemaker CIB configuration that Pacemaker itself accepts:
 * the demo's resources (primitives, a group, a clone), a member added to the group, move and ban
 * constraints, standby, maintenance, properties, node attributes, exported and checked with
 * Pacemaker's crm_verify.
 */
const meta = { who: 'test', wallMs: 1_700_000_000_000, term: 1 };

function apply(c: Cib, es: readonly CibEntry[]): Cib {
  for (const e of es) c = applyEntry(c, e, meta);
  return c;
}

describe('CLI changes make a CIB Pacemaker accepts', () => {
  it(
    'demo configuration, group member, a promotable clone, move/ban, standby, properties: crm_verify finds no error',
    needs('cmd:crm_verify'),
    async () => {
      const c = apply(emptyCib(), [
        ...demoConfiguration(process.execPath),
        {
          op: 'group-add',
          group: 'web',
          def: {
            kind: 'primitive',
            id: 'web-log',
            class: 'ocf',
            provider: 'heartbeat',
            type: 'Dummy',
            params: { fake: 'x' },
            meta: {},
            ops: [{ name: 'monitor', intervalMs: 10_000, timeoutMs: 20_000 }],
          },
        },
        {
          op: 'constraint-add',
          constraint: {
            kind: 'location',
            id: 'cli-prefer-web',
            rsc: 'web',
            node: 'b',
            score: 1_000_000,
          },
        },
        {
          op: 'constraint-add',
          constraint: {
            kind: 'location',
            id: 'cli-ban-dummy1-on-a',
            rsc: 'dummy1',
            node: 'a',
            score: -1_000_000,
          },
        },
        {
          op: 'constraint-add',
          constraint: { kind: 'colocation', id: 'c1', rsc: 'dummy2', withRsc: 'web', score: 50 },
        },
        {
          op: 'constraint-add',
          constraint: { kind: 'order', id: 'o1', first: 'ping-clone', then: 'web' },
        },
        {
          // As `vigil resource create db ocf:pacemaker:Stateful --promotable` makes it.
          op: 'rsc-create',
          def: {
            kind: 'clone',
            id: 'db-clone',
            meta: { promotable: 'true' },
            child: parsePrimitive(['db', 'ocf:pacemaker:Stateful'], true),
          },
        },
        { op: 'node-set', node: 'a', standby: true },
        { op: 'node-set', node: 'b', maintenance: true },
        { op: 'node-set', node: 'b', maintenance: false },
        { op: 'property-set', name: 'stonith-enabled', value: 'false' },
        { op: 'node-attr', node: 'c', name: 'rack', value: 'r1', scope: 'forever' },
        { op: 'node-attr', node: 'c', name: 'cpu', value: '8', scope: 'utilization' },
        {
          op: 'rsc-update',
          id: 'web-log',
          params: { fake: 'y' },
          meta: { 'target-role': 'Stopped' },
        },
      ]);
      assert.deepEqual(
        primitives(c.config).map((p) => `${p.top.id}/${p.prim.id}`),
        [
          'dummy1/dummy1',
          'dummy2/dummy2',
          'web/web-config',
          'web/web-server',
          'web/web-log',
          'ping-clone/ping',
          'db-clone/db',
        ],
      );
      assert.equal(primitives(c.config).find((p) => p.prim.id === 'db')?.top.promotable, true);
      await using dir = await tempDir('cib-edits');
      const file = join(dir.path, 'cib.xml');
      await writeFile(file, configToCibXml(c.config, c.configVersion));
      const xml = configToCibXml(c.config, c.configVersion);
      assert.match(xml, /<op [^>]*interval="10s"[^>]*role="Promoted"/);
      assert.match(xml, /<op [^>]*interval="11s"[^>]*role="Unpromoted"/);
      const v = await run('crm_verify', ['-V', '-x', file], { timeoutMs: 30_000 });
      assert.doesNotMatch(`${v.stdout}${v.stderr}`, /error/i);
      assert.equal(v.code, 0, v.stderr);
    },
  );

  it('a promotable clone by default monitors each role at its own interval; a bad role is refused', () => {
    assert.deepEqual(
      parsePrimitive(['db', 'ocf:pacemaker:Stateful'], true).ops.map((o) => [o.intervalMs, o.role]),
      [
        [10_000, 'Promoted'],
        [11_000, 'Unpromoted'],
      ],
    );
    assert.deepEqual(
      parsePrimitive(
        ['db', 'ocf:pacemaker:Stateful', 'op', 'monitor', 'interval=5s', 'role=Promoted'],
        true,
      ).ops.map((o) => [o.intervalMs, o.role]),
      [[5_000, 'Promoted']],
    );
    assert.throws(
      () => parsePrimitive(['db', 'ocf:pacemaker:Stateful', 'op', 'monitor', 'role=Master']),
      /Promoted or Unpromoted/,
    );
  });

  it("an op's own parameters (OCF_CHECK_LEVEL) are kept as the op's instance attributes", async () => {
    const p = parsePrimitive([
      'fs',
      'ocf:heartbeat:Dummy',
      'op',
      'monitor',
      'interval=60s',
      'timeout=40s',
      'OCF_CHECK_LEVEL=10',
    ]);
    assert.deepEqual(p.ops, [
      { name: 'monitor', intervalMs: 60_000, timeoutMs: 40_000, params: { OCF_CHECK_LEVEL: '10' } },
    ]);
    const c = apply(emptyCib(), [
      { op: 'rsc-create', def: p },
      { op: 'property-set', name: 'stonith-enabled', value: 'false' },
    ]);
    // Read back as the node side resolves it, and written as Pacemaker holds it.
    assert.deepEqual(primitives(c.config)[0]?.prim.ops[0]?.params, { OCF_CHECK_LEVEL: '10' });
    const xml = configToCibXml(c.config, c.configVersion);
    assert.match(
      xml,
      /<op [^>]*interval="60s"[^>]*>\s*<instance_attributes [^>]*>\s*<nvpair [^>]*name="OCF_CHECK_LEVEL" value="10"/,
    );
    if (needs('cmd:crm_verify').skip === undefined) {
      await using dir = await tempDir('op-params');
      const file = join(dir.path, 'cib.xml');
      await writeFile(file, xml);
      const v = await run('crm_verify', ['-x', file], { timeoutMs: 30_000 });
      assert.doesNotMatch(`${v.stdout}${v.stderr}`, /error/i);
    }
  });
});
