/**
 * The status fast path (`scanStatus`, used by `readCib`) must build exactly the model the general
 * parser and reader build, or give up: on the whole corpus, and on generated status sections
 * mixing the common shape with everything the fast path leaves to the general path.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { readCib, scanStatus, DEFAULT_XML_LIMITS } from '@vigil/cib';
import { CORPUS_XML_DIR, corpusNeeded } from './corpus.js';

/** The model (or the error message) of both paths. */
function both(xml: string): { fast: unknown; general: unknown } {
  const read = (fastStatus: boolean): unknown => {
    try {
      return readCib(xml, { fastStatus });
    } catch (e) {
      return { error: (e as Error).message };
    }
  };
  return { fast: read(true), general: read(false) };
}

const OP_ATTRS: [string, fc.Arbitrary<string>][] = [
  ['operation_key', fc.constantFrom('r1_start_0', 'r1_monitor_10000')],
  ['crm-debug-origin', fc.constant('do_update_resource')],
  ['crm_feature_set', fc.constant('3.16.1')],
  ['transition-key', fc.constant('1:2:0:00000000-0000-0000-0000-000000000000')],
  ['transition-magic', fc.constant('0:0;1:2:0:00000000-0000-0000-0000-000000000000')],
  ['last-rc-change', fc.constantFrom('1767225000', '1767225000', ' 12 ', '-3', '1767225000', 'x1')],
  ['exec-time', fc.constantFrom('10', '0')],
  ['queue-time', fc.constant('0')],
  ['op-digest', fc.constant('f2317cad3d54cec5d7d7aa7d0bf35cf8')],
  ['exit-reason', fc.constantFrom('', 'not running', '', '', 'a &amp; b', 'tab\there')],
  ['on_node', fc.constant('n1')],
  ['x-unknown', fc.constant('kept')],
];

const op = fc
  .record({
    id: fc.constantFrom('r1_last_0', 'r1_monitor_10000'),
    operation: fc.constantFrom('start', 'monitor', 'stop'),
    callId: fc.constantFrom('1', '2', '-1', '7', '12', 'bad'),
    rc: fc.constantFrom('0', '7'),
    interval: fc.constantFrom('0', '10000'),
    extra: fc.subarray(OP_ATTRS, { maxLength: 6 }),
    values: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
    dropRequired: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
    alias: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
    open: fc.boolean(),
  })
  .chain((o) => fc.tuple(fc.constant(o), fc.tuple(...o.extra.map(([, arb]) => arb))))
  .map(([o, vals]) => {
    const attrs = [
      `id="${o.id}"`,
      `operation="${o.operation}"`,
      `call-id="${o.callId}"`,
      `rc-code="${o.rc}"`,
      o.dropRequired ? '' : `op-status="0"`,
      `interval="${o.interval}"`,
      ...o.extra.map(([name], i) => `${name}="${vals[i]!}"`),
      o.alias ? 'last_run="1767225000"' : '',
    ].filter((a) => a !== '');
    const tag = `<lrm_rsc_op ${attrs.join(' ')}`;
    return o.open ? `${tag}></lrm_rsc_op>` : `${tag}/>`;
  });

const oddities = [
  '<!-- a comment -->',
  '<transient_attributes id="t"><instance_attributes id="ia"><nvpair id="nv" name="a" value="1"/></instance_attributes></transient_attributes>',
  'stray text',
];

const statusXml = fc
  .record({
    nodes: fc.array(
      fc.record({
        resources: fc.array(fc.record({ ops: fc.array(op, { maxLength: 3 }), cls: fc.boolean() }), {
          maxLength: 3,
        }),
        lrm: fc.boolean(),
        oddity: fc.oneof(
          { arbitrary: fc.constant(null), weight: 6 },
          { arbitrary: fc.constantFrom(...oddities), weight: 1 },
        ),
      }),
      { maxLength: 3 },
    ),
  })
  .map(({ nodes }) =>
    nodes
      .map((n, i) => {
        const res = n.resources
          .map(
            (r, j) =>
              `<lrm_resource id="r${j}"${r.cls ? ' class="ocf" provider="pacemaker" type="Dummy"' : ''}>${r.ops.join('\n')}</lrm_resource>`,
          )
          .join('\n');
        const lrm = n.lrm ? `<lrm id="n${i}"><lrm_resources>${res}</lrm_resources></lrm>` : '';
        return `<node_state id="n${i}" uname="n${i}" in_ccm="true" crmd="online">${n.oddity ?? ''}${lrm}</node_state>`;
      })
      .join('\n'),
  );

function cibWith(status: string): string {
  return `<cib epoch="1" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status>${status}</status></cib>`;
}

describe('status fast path', () => {
  it('reads the common shape itself and leaves the rest to the general path', () => {
    const plain = `<node_state id="n1" uname="n1"><lrm id="n1"><lrm_resources><lrm_resource id="r1" class="ocf" type="Dummy"><lrm_rsc_op id="r1_last_0" operation="start" call-id="3" rc-code="0" op-status="0" interval="0" x="y"/></lrm_resource></lrm_resources></lrm></node_state></status>`;
    const r = scanStatus(plain, 0, DEFAULT_XML_LIMITS.maxAttributesPerElement);
    assert.ok(r !== undefined);
    assert.equal(r.end, plain.length);
    assert.deepEqual(r.nodeStates[0]!.lrm!.resources[0]!.ops[0], {
      id: 'r1_last_0',
      operation: 'start',
      callId: 3,
      rcCode: 0,
      opStatus: 0,
      interval: 0,
      extra: { attrs: { x: 'y' } },
    });
    for (const odd of [
      plain.replace('x="y"', 'x="a&amp;b"'),
      plain.replace('<lrm id', '<!-- c --><lrm id'),
      plain.replace('call-id="3"', 'call-id = "3"'),
      plain.replace('call-id="3"', 'call-id="3" call-id="4"'),
      plain.replace(' op-status="0"', ''),
      plain.replace('interval="0"', 'interval="0s"'),
      plain.replace('x="y"', 'x="line\nbreak"'),
      plain.replace('x="y"', 'x="a<b"'),
      plain.replace('x="y"', 'x="unclosed'),
    ])
      assert.equal(scanStatus(odd, 0, 100), undefined, odd);
  });

  it('reuses a repeated value only when read with the same quote', () => {
    // The second value repeats the first one's text up to a closing quote, but in the other
    // quote character it ends earlier: the tag is malformed, and both paths must say so.
    const ops = (second: string): string =>
      `<node_state id="n1" uname="n1"><lrm id="n1"><lrm_resources><lrm_resource id="r1">` +
      `<lrm_rsc_op id="a" operation="start" call-id="1" rc-code="0" op-status="0" interval="0" exit-reason='x"y'/>` +
      `<lrm_rsc_op id="b" operation="stop" call-id="2" rc-code="0" op-status="0" interval="0" exit-reason=${second}/>` +
      `</lrm_resource></lrm_resources></lrm></node_state>`;
    const bad = ops(`"x"y"`);
    assert.equal(scanStatus(`${bad}</status>`, 0, 100), undefined);
    const { fast, general } = both(cibWith(bad));
    assert.deepStrictEqual(fast, general);
    assert.ok((fast as { error?: string }).error !== undefined, 'a malformed tag is an error');
    // Repeated in the same quote, the value is read (and shared) on the fast path.
    const good = ops(`'x"y'`);
    const r = scanStatus(`${good}</status>`, 0, 100);
    assert.ok(r !== undefined);
    const [a, b] = r.nodeStates[0]!.lrm!.resources[0]!.ops;
    assert.equal(b!.exitReason, 'x"y');
    assert.equal(a!.exitReason, b!.exitReason);
    assert.deepStrictEqual(both(cibWith(good)).fast, both(cibWith(good)).general);
  });

  it('gives the same model (or error) as the general path on generated status sections', () => {
    let fastOps = 0;
    fc.assert(
      fc.property(statusXml, (status) => {
        const { fast, general } = both(cibWith(status));
        assert.deepStrictEqual(fast, general);
        if (
          status.includes('<lrm_rsc_op') &&
          scanStatus(`${status}</status>`, 0, 100) !== undefined
        )
          fastOps++;
      }),
      { numRuns: 300 },
    );
    // The comparison means something only if the fast path did read some of them.
    assert.ok(
      fastOps >= 10,
      `the fast path read only ${fastOps} generated sections with operations`,
    );
  });

  it('gives the same model as the general path on every corpus CIB', corpusNeeded, () => {
    for (const f of readdirSync(CORPUS_XML_DIR).filter((x) => x.endsWith('.xml'))) {
      const { fast, general } = both(readFileSync(join(CORPUS_XML_DIR, f), 'utf8'));
      assert.deepStrictEqual(fast, general, f);
    }
  });
});
