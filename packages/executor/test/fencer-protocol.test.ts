import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  encodeStdin,
  levelsFor,
  parseDelaySpec,
  parseDevice,
  parseFenceDurationMs,
  parseFenceMetadata,
  parseHostList,
  parseHostMap,
  parseListOutput,
  parseParamWords,
  parseTopology,
  FenceHistory,
  type FenceHistoryEntry,
} from '@vigil/executor';

/**
 * The agents' side of the protocol as documented (FenceAgentAPI.md) and observed: each line is
 * stripped, blank and '#' lines are skipped, the name ends at the first '=', one pair of
 * surrounding double quotes is removed from the value, and the last duplicate wins.
 */
function agentSideDecode(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const name = eq < 0 ? line : line.slice(0, eq);
    let value = eq < 0 ? '' : line.slice(eq + 1);
    const m = /^"(.*)"$/.exec(value);
    if (m) value = m[1]!;
    out.set(name, value);
  }
  return out;
}

const nameArb = fc
  .stringMatching(/^[a-z][a-z0-9_]{0,11}$/)
  .filter((n) => n !== 'action' && n !== 'nodename' && n !== 'port');
const valueArb = fc
  .string({ maxLength: 40 })
  .filter(
    (v) =>
      !/[\n\r\0]/.test(v) &&
      v === v.trim() &&
      !(v.length >= 2 && v.startsWith('"') && v.endsWith('"')),
  );

describe('fence stdin protocol', () => {
  it('round-trips every acceptable parameter set through the agents documented parsing', () => {
    fc.assert(
      fc.property(
        fc.dictionary(nameArb, valueArb, { maxKeys: 10 }),
        fc.constantFrom('off', 'on', 'status', 'reboot', 'list', 'monitor'),
        fc.option(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), { nil: undefined }),
        (params, action, plug) => {
          const text = encodeStdin({
            action,
            params,
            ...(plug !== undefined ? { plug, nodename: plug, hostArgument: 'port' } : {}),
          });
          const got = agentSideDecode(text);
          const want = new Map(Object.entries(params));
          if (plug !== undefined) {
            want.set('nodename', plug);
            want.set('port', plug);
          }
          want.set('action', action);
          assert.deepEqual(got, want);
        },
      ),
    );
  });

  it('puts action, nodename and the plug after the device parameters, action last', () => {
    const text = encodeStdin({
      action: 'off',
      params: { ipaddr: '10.0.0.9', login: 'admin' },
      nodename: 'n1',
      plug: '3',
      hostArgument: 'plug',
    });
    assert.equal(text, 'ipaddr=10.0.0.9\nlogin=admin\nnodename=n1\nplug=3\naction=off\n');
  });

  it('refuses what the agents would alter or what would change the request', () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ passwd: 'a\nb' }, /passwd.*newline/],
      [{ passwd: ' secret' }, /passwd.*white space/],
      [{ login: '"admin"' }, /login.*double quotes/],
      [{ action: 'on' }, /'action' is reserved/],
      [{ '9lives': 'x' }, /name '9lives' is invalid/],
      [{ 'a b': 'x' }, /name 'a b' is invalid/],
    ];
    for (const [params, msg] of bad) {
      assert.throws(
        () => encodeStdin({ action: 'status', params }),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, 'VGL_E_INVALID_INPUT', e.message);
          assert.match(e.message, msg);
          return true;
        },
      );
    }
    assert.throws(() => encodeStdin({ action: 'status', params: { v: 'x'.repeat(5000) } }), {
      code: 'VGL_E_LIMIT',
    });
  });

  it('parses command-line name=value words and rejects malformed ones', () => {
    assert.deepEqual(parseParamWords(['plug=n1', 'status_file=/tmp/a=b']), {
      plug: 'n1',
      status_file: '/tmp/a=b',
    });
    assert.throws(() => parseParamWords(['plug']), /expected name=value, got 'plug'/);
    assert.throws(() => parseParamWords(['=x']), /expected name=value/);
    assert.throws(() => parseParamWords(['a=1', 'a=2']), /'a' given twice/);
  });

  it('parses list output with and without aliases', () => {
    assert.deepEqual(parseListOutput('1,node1\n2,\n\n  web3  \n,orphan\n'), [
      { plug: '1', alias: 'node1' },
      { plug: '2' },
      { plug: 'web3' },
    ]);
    assert.throws(() => parseListOutput('a\nb\nc\n', 2), { code: 'VGL_E_LIMIT' });
  });
});

describe('host maps, host lists and durations', () => {
  it('parses a host map with ; or spaces between entries and : or = inside', () => {
    const m = parseHostMap('node1:1;node2=2,3  node3:web-3;');
    assert.deepEqual(
      [...m],
      [
        ['node1', '1'],
        ['node2', '2,3'],
        ['node3', 'web-3'],
      ],
    );
  });

  it('names the bad entry of a malformed host map', () => {
    const cases: [string, RegExp][] = [
      ['node1:1;node2', /entry 2 'node2': expected node:plug/],
      [':3', /entry 1 ':3': the node name is empty/],
      ['node1:', /entry 1 'node1:': the plug is empty or malformed/],
      ['node1:1,,2', /the plug is empty or malformed/],
      ['node1:a:b', /the plug is empty or malformed/],
      ['n1:1;n1:2', /node 'n1' is mapped twice/],
      ['bad/name:1', /'bad\/name' is not a valid node name/],
    ];
    for (const [text, msg] of cases) {
      assert.throws(
        () => parseHostMap(text),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, 'VGL_E_CONFIG');
          assert.match(e.message, msg);
          return true;
        },
      );
    }
  });

  it('parses host lists and refuses duplicates and bad names', () => {
    assert.deepEqual(parseHostList('n1 n2,n3;\tn4'), ['n1', 'n2', 'n3', 'n4']);
    assert.throws(() => parseHostList('n1 n2 n1'), /lists 'n1' twice/);
    assert.throws(() => parseHostList('n1 n$2'), /entry 2: 'n\$2' is not a valid node name/);
  });

  it('parses Pacemaker durations, plain numbers being seconds', () => {
    assert.equal(parseFenceDurationMs('5', 'x'), 5000);
    assert.equal(parseFenceDurationMs('250ms', 'x'), 250);
    assert.equal(parseFenceDurationMs('2min', 'x'), 120_000);
    assert.equal(parseFenceDurationMs('1h', 'x'), 3_600_000);
    assert.throws(
      () => parseFenceDurationMs('5 parsecs', 'pcmk_delay_max'),
      /pcmk_delay_max: '5 parsecs' is not a duration/,
    );
    assert.throws(() => parseFenceDurationMs('-1', 'x'), /not a duration/);
    assert.throws(() => parseFenceDurationMs('90000h', 'x'), /longer than a day/);
    const per = parseDelaySpec('n1:2s;n2:100ms', 'pcmk_delay_base');
    assert.equal(per.kind, 'per-node');
    assert.throws(() => parseDelaySpec('n1:2parsecs', 'pcmk_delay_base'), /pcmk_delay_base for n1/);
  });
});

describe('fence device configuration', () => {
  it('separates pcmk_* attributes from agent parameters', () => {
    const d = parseDevice({
      id: 'ipmi-n1',
      agent: 'fence_ipmilan',
      params: {
        ip: '10.0.0.1',
        username: 'admin',
        pcmk_host_map: 'n1:3',
        pcmk_delay_base: '2s',
        pcmk_delay_max: '5s',
        pcmk_reboot_action: 'off',
        pcmk_off_timeout: '30s',
        pcmk_off_retries: '0',
        priority: '10',
      },
    });
    assert.deepEqual(d.agentParams, { ip: '10.0.0.1', username: 'admin' });
    assert.equal(d.hostMap?.get('n1'), '3');
    assert.deepEqual(d.delayBase, { kind: 'all', ms: 2000 });
    assert.equal(d.delayMaxMs, 5000);
    assert.equal(d.actionMap.reboot, 'off');
    assert.equal(d.actionMap.off, 'off');
    assert.equal(d.timeoutMs.off, 30_000);
    assert.equal(d.retries.off, 0);
    assert.equal(d.retries.on, 2);
    assert.equal(d.priority, 10);
  });

  it('reports each configuration mistake with the device and attribute', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { pcmk_host_map: 'n1' },
        /'d1': pcmk_host_map: pcmk_host_map entry 1 'n1': expected node:plug/,
      ],
      [{ pcmk_host_check: 'sometimes' }, /pcmk_host_check 'sometimes' is not one of/],
      [{ pcmk_host_check: 'static-list' }, /static-list needs pcmk_host_list or pcmk_host_map/],
      [{ pcmk_delay_max: 'soon' }, /pcmk_delay_max: 'soon' is not a duration/],
      [{ pcmk_reboot_action: 'explode' }, /pcmk_reboot_action 'explode' is not one of/],
      [{ pcmk_off_retries: 'many' }, /pcmk_off_retries 'many' is not a count/],
      [{ pcmk_frobnicate: '1' }, /unknown fencer attribute\(s\) pcmk_frobnicate/],
      [{ action: 'off' }, /parameter 'action' is set by the fencer/],
      [{ passwd: 'a\nb' }, /'d1': fence parameter 'passwd' contains a newline/],
      [{ pcmk_host_argument: 'nodename' }, /pcmk_host_argument cannot be 'nodename'/],
    ];
    for (const [params, msg] of cases) {
      assert.throws(
        () => parseDevice({ id: 'd1', agent: 'fence_dummy', params }),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, 'VGL_E_CONFIG', e.message);
          assert.match(e.message, msg);
          return true;
        },
      );
    }
    assert.throws(
      () => parseDevice({ id: 'd1', agent: 'dummy' }),
      /must be fence_NAME or an absolute path/,
    );
  });
});

describe('fencing topology', () => {
  const ids = new Set(['a', 'b', 'c']);

  it('orders levels by index and prefers levels naming the node over patterns', () => {
    const levels = parseTopology(
      [
        { index: 2, target: 'n1', devices: ['b', 'c'] },
        { index: 1, target: 'n1', devices: ['a'] },
        { index: 1, targetPattern: '^n[0-9]+$', devices: ['c'] },
      ],
      ids,
    );
    assert.deepEqual(
      levelsFor(levels, 'n1').map((l) => [l.index, l.devices]),
      [
        [1, ['a']],
        [2, ['b', 'c']],
      ],
    );
    assert.deepEqual(
      levelsFor(levels, 'n7').map((l) => l.devices),
      [['c']],
    );
    assert.deepEqual(levelsFor(levels, 'web'), []);
  });

  it('rejects malformed levels with the level named', () => {
    const cases: [object, RegExp][] = [
      [{ index: 0, target: 'n1', devices: ['a'] }, /index must be an integer from 1 to 9/],
      [{ index: 1, devices: ['a'] }, /exactly one of target and targetPattern/],
      [{ index: 1, target: 'n1', targetPattern: 'n', devices: ['a'] }, /exactly one of/],
      [{ index: 1, target: 'n1', devices: [] }, /at least one device/],
      [{ index: 1, target: 'n1', devices: ['a', 'a'] }, /listed twice/],
      [{ index: 1, target: 'n1', devices: ['zz'] }, /unknown fence device 'zz'/],
      [{ index: 1, targetPattern: '(', devices: ['a'] }, /not a valid regular expression/],
    ];
    for (const [spec, msg] of cases) {
      assert.throws(() => parseTopology([spec as never], ids), msg);
    }
    assert.throws(
      () =>
        parseTopology(
          [
            { index: 1, target: 'n1', devices: ['a'] },
            { index: 1, target: 'n1', devices: ['b'] },
          ],
          ids,
        ),
      /same target and index/,
    );
  });
});

describe('fence agent meta-data', () => {
  it('parses parameters, defaults, actions and entities', () => {
    const md = parseFenceMetadata(
      `<?xml version="1.0" ?>
<!-- a comment -->
<resource-agent name="fence_x" shortdesc="X &amp; Y">
<longdesc>Long &lt;text&gt;</longdesc>
<parameters>
  <parameter name="port" unique="0" required="1">
    <getopt mixed="-n, --plug=[id]" />
    <content type="string" />
    <shortdesc lang="en">Plug</shortdesc>
  </parameter>
  <parameter name="timeout" required="0" deprecated="1" obsoletes="old_timeout">
    <content type="second" default="20"/>
    <shortdesc lang="en"><![CDATA[Wait <this> long]]></shortdesc>
  </parameter>
</parameters>
<actions><action name="off"/><action name="status"/><action name="list"/></actions>
</resource-agent>`,
      'fence_x',
    );
    assert.equal(md.name, 'fence_x');
    assert.equal(md.shortdesc, 'X & Y');
    assert.equal(md.longdesc, 'Long <text>');
    assert.deepEqual(md.actions, ['off', 'status', 'list']);
    assert.deepEqual(md.parameters[0], {
      name: 'port',
      required: true,
      deprecated: false,
      type: 'string',
      shortdesc: 'Plug',
      getopt: '-n, --plug=[id]',
    });
    const timeout = md.parameters[1]!;
    assert.equal(timeout.default, '20');
    assert.equal(timeout.obsoletes, 'old_timeout');
    assert.equal(timeout.shortdesc, 'Wait <this> long');
  });

  it('names the line of malformed XML', () => {
    const cases: [string, RegExp][] = [
      [
        '<resource-agent name="x">\n<parameters>\n</resource-agent>',
        /line 3: <\/resource-agent> closes <parameters>/,
      ],
      [
        '<resource-agent name="x">\n<a b=c/></resource-agent>',
        /line 2: attribute b of <a> is not quoted/,
      ],
      ['<resource-agent name="x">&bogus;</resource-agent>', /unknown entity '&bogus;'/],
      ['<resource-agent name="x">', /<resource-agent> is never closed/],
      ['', /no root element/],
      ['<other/>', /root element is <other>/],
      ['<resource-agent/>', /has no name/],
    ];
    for (const [xml, msg] of cases) {
      assert.throws(
        () => parseFenceMetadata(xml, 'fence_x'),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, 'VGL_E_PARSE');
          assert.match(e.message, /meta-data of fence_x/);
          assert.match(e.message, msg);
          return true;
        },
      );
    }
  });
});

describe('fence history', () => {
  it('keeps the last N entries and filters by target', () => {
    const h = new FenceHistory(3);
    const entry = (id: number, target: string): FenceHistoryEntry => ({
      id,
      target,
      action: 'off',
      ok: true,
      reason: '',
      levelsTried: [1],
      attempts: [],
      startedWallMs: id,
      completedWallMs: id,
      durationMs: 0,
    });
    for (let i = 1; i <= 5; i++) h.add(entry(i, i % 2 === 0 ? 'even' : 'odd'));
    assert.deepEqual(
      h.query().map((e) => e.id),
      [3, 4, 5],
    );
    assert.deepEqual(
      h.query({ target: 'odd' }).map((e) => e.id),
      [3, 5],
    );
    assert.deepEqual(
      h.query({ limit: 1 }).map((e) => e.id),
      [5],
    );
    assert.equal(h.droppedCount, 2);
  });
});
