import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_TIMING,
  parseClusterConfig,
  parseNodesArg,
  renderInitialConfig,
} from '@vigil/daemon';
import { VigilError } from '@vigil/base';

const GOOD = `cluster: web
authkey: /etc/vigil/authkey
nodes:
  - name: a
    links: [10.0.0.1:5405, 192.168.1.1]
  - name: b
    links: ["10.0.0.2:5405", "192.168.1.2"]
  - name: w
    links: ["10.0.0.3", "192.168.1.3"]
    witness: true
timing:
  deadtimeMs: 400
fencing:
  devices:
    - id: ipmi-a
      agent: fence_ipmilan
      params: { ip: 10.1.0.1, username: admin }
      hostMap: { a: "1" }
      delayMaxMs: 500
  topology:
    a: [[ipmi-a]]
`;

function problems(text: string): { path: string; line: number | undefined; message: string }[] {
  try {
    parseClusterConfig(text, 'test.yaml');
  } catch (e) {
    assert.ok(e instanceof VigilError);
    assert.equal(e.code, 'VGL_E_CONFIG');
    return e.details.problems as { path: string; line: number | undefined; message: string }[];
  }
  assert.fail('expected the config to be rejected');
}

describe('cluster config', () => {
  it('reads a valid config with defaults filled in', () => {
    const c = parseClusterConfig(GOOD);
    assert.equal(c.cluster, 'web');
    assert.deepEqual(
      c.nodes.map((n) => [n.name, n.witness, n.links.length]),
      [
        ['a', false, 2],
        ['b', false, 2],
        ['w', true, 2],
      ],
    );
    assert.deepEqual(c.nodes[0]?.links[1], { host: '192.168.1.1', port: 5405 });
    assert.equal(c.timing.deadtimeMs, 400);
    assert.equal(c.timing.heartbeatIntervalMs, DEFAULT_TIMING.heartbeatIntervalMs);
    assert.equal(c.stonithEnabled, true);
    assert.equal(c.noQuorumPolicy, 'stop');
    assert.deepEqual(c.fencing.topology, { a: [['ipmi-a']] });
    assert.equal(c.fencing.devices[0]?.delayMaxMs, 500);
  });

  it('names every bad field, with its line, in one error', () => {
    const text = `cluster: web
nodes:
  - name: a
    links: [10.0.0.1:99999]
  - name: a
    links: [10.0.0.2]
    color: blue
timing:
  deadtimeMs: fast
  heartbeatIntervalMs: 2
noQuorumPolicy: panic
`;
    const ps = problems(text);
    const byPath = new Map(ps.map((p) => [p.path, p]));
    assert.match(byPath.get('nodes[0].links[0]')?.message ?? '', /port 99999 is out of range/);
    assert.equal(byPath.get('nodes[0].links[0]')?.line, 4);
    assert.match(byPath.get('nodes[1].name')?.message ?? '', /duplicate node name 'a'/);
    assert.equal(byPath.get('nodes[1].name')?.line, 5);
    assert.match(byPath.get('nodes[1].color')?.message ?? '', /unknown node setting/);
    assert.match(byPath.get('timing.deadtimeMs')?.message ?? '', /whole number of milliseconds/);
    assert.match(byPath.get('timing.heartbeatIntervalMs')?.message ?? '', /outside 10-5000/);
    assert.match(byPath.get('noQuorumPolicy')?.message ?? '', /'panic' is not one of stop/);
    assert.equal(byPath.get('noQuorumPolicy')?.line, 11);
  });

  it('rejects YAML syntax errors and wrong top-level shapes', () => {
    assert.equal(problems('cluster: [unclosed\n')[0]?.path, '(syntax)');
    assert.match(problems('- a\n- b\n')[0]?.message ?? '', /mapping/);
    assert.match(
      problems('nodes: []\n')
        .map((p) => p.message)
        .join(';'),
      /is required.*at least one node|at least one node.*is required/,
    );
  });

  it('checks fencing references', () => {
    const ps = problems(`cluster: c
nodes: [{ name: a, links: [127.0.0.1] }]
fencing:
  devices: [{ id: d1, agent: ipmi, hostMap: { z: "1" } }]
  topology: { a: [[d1, d2]] }
`);
    const msgs = ps.map((p) => `${p.path}: ${p.message}`).join('\n');
    assert.match(msgs, /fencing\.devices\[0\]\.agent: 'ipmi' is not a fence agent name/);
    assert.match(msgs, /fencing\.devices\[0\]\.hostMap\.z: names no node/);
    assert.match(msgs, /fencing\.topology\.a\[0\]\[1\]: "d2" is not a configured device id/);
  });

  it('vigil init output parses back to the same nodes (property)', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 8 }), (names) => {
        const spec = names.map((n, i) => `${n}=127.0.0.${i + 1}:${5405 + i}`).join(',');
        const nodes = parseNodesArg(spec);
        const text = renderInitialConfig({
          cluster: 'c',
          nodes,
          authkey: 'authkey',
          stateDir: '/tmp/{node}',
          socket: '/tmp/{node}.sock',
        });
        const c = parseClusterConfig(text);
        assert.deepEqual(
          c.nodes.map((n) => n.name),
          names,
        );
        assert.deepEqual(
          c.nodes.map((n) => n.links[0]?.port),
          names.map((_, i) => 5405 + i),
        );
      }),
    );
  });

  it('parses --nodes with several links and rejects malformed items', () => {
    assert.deepEqual(parseNodesArg('a=10.0.0.1|192.168.0.1:7000'), [
      { name: 'a', links: ['10.0.0.1:5405', '192.168.0.1:7000'] },
    ]);
    assert.throws(() => parseNodesArg('a'), {
      code: 'VGL_E_USAGE',
      message: /'a' is not NAME=ADDRESS/,
    });
    assert.throws(() => parseNodesArg('a=1.2.3.4:0'), {
      code: 'VGL_E_USAGE',
      message: /out of range/,
    });
  });
});
