import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configFromCibXml, configToCibXml, durationMs, type CibConfig } from '@vigil/controller';

const config: CibConfig = {
  resources: [
    {
      kind: 'primitive',
      id: 'd1',
      class: 'ocf',
      provider: 'heartbeat',
      type: 'Dummy',
      params: { fake: 'x' },
      meta: { 'migration-threshold': '3' },
      ops: [{ name: 'monitor', intervalMs: 10_000, timeoutMs: 20_000 }],
    },
    {
      kind: 'group',
      id: 'g',
      meta: {},
      members: [
        {
          kind: 'primitive',
          id: 'm1',
          class: 'lsb',
          provider: '',
          type: 'cron',
          params: {},
          meta: {},
          ops: [],
        },
      ],
    },
  ],
  constraints: [
    { kind: 'location', id: 'l1', rsc: 'd1', node: 'a', score: -1_000_000 },
    { kind: 'colocation', id: 'c1', rsc: 'g', withRsc: 'd1', score: 100 },
    { kind: 'order', id: 'o1', first: 'd1', then: 'g' },
  ],
  nodes: { a: { standby: true, maintenance: false } },
  properties: { 'stonith-enabled': 'true' },
};

describe('Pacemaker CIB XML import and export', () => {
  it('exports XML that imports back to the same configuration', () => {
    const xml = configToCibXml(config, 7);
    assert.match(xml, /<cib [^>]*epoch="7"/);
    assert.match(xml, /<rsc_location [^>]*score="-INFINITY"/);
    assert.deepEqual(configFromCibXml(xml).config, config);
  });

  it('refuses, naming them, the parts it cannot run, and imports nothing', () => {
    const xml = configToCibXml(config, 1).replace(
      '</resources>',
      '<clone id="pc"><meta_attributes id="pc-m"><nvpair id="pc-m-p" name="promotable" value="true"/></meta_attributes><primitive id="s" class="ocf" provider="pacemaker" type="Stateful"/></clone></resources>',
    );
    assert.throws(() => configFromCibXml(xml), /VGL_E_UNSUPPORTED|promotable clone pc/);
  });

  it('reads Pacemaker durations', () => {
    assert.equal(durationMs('10'), 10_000);
    assert.equal(durationMs('500ms'), 500);
    assert.equal(durationMs('2min'), 120_000);
    assert.equal(durationMs('PT30S'), 30_000);
    assert.throws(() => durationMs('soon'), /not a duration/);
  });
});
