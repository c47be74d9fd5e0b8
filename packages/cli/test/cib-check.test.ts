import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ERROR_CATALOGUE } from '@vigil/base';
import { main } from '@vigil/cli';
import { tempDir } from '@vigil/testkit';

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const VALID = `<cib epoch="7" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.7">
  <configuration>
    <crm_config/>
    <nodes><node id="1" uname="n1"/></nodes>
    <resources>
      <group id="g">
        <primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/>
        <primitive id="web" class="ocf" provider="heartbeat" type="apache">
          <meta_attributes id="web-meta"><nvpair id="web-tr" name="target-role" value="Sarted"/></meta_attributes>
        </primitive>
      </group>
    </resources>
    <constraints><rsc_location id="prefer" rsc="g" node="n1" score="100"/></constraints>
  </configuration>
  <status/>
</cib>
`;

describe('vigil cib check', () => {
  it('reports a valid CIB with counts and each warning naming the element and line', async () => {
    await using dir = await tempDir('cib-check');
    const file = join(dir.path, 'cib.xml');
    await writeFile(file, VALID);
    const r = await capture(['cib', 'check', '--xml', file]);
    assert.equal(r.code, 0, r.err);
    assert.equal(
      r.out,
      `${file}: valid CIB (epoch 7, 1 nodes, 3 resources, 1 constraints, 0 node states)\n` +
        `warning: <nvpair id="web-tr"> (line 9): meta-attribute target-role="Sarted" is not a role (Started, Stopped, Promoted, Unpromoted); Pacemaker ignores it\n`,
    );
  });

  it('lists every error of an invalid CIB and exits with VGL_E_CIB_INVALID', async () => {
    await using dir = await tempDir('cib-check');
    const file = join(dir.path, 'cib.xml');
    await writeFile(
      file,
      VALID.replace('class="ocf" provider="heartbeat" type="IPaddr2"', 'type="IPaddr2"').replace(
        'score="100"',
        'score="lots"',
      ),
    );
    const r = await capture(['cib', 'check', '--xml', file]);
    assert.equal(r.code, ERROR_CATALOGUE.VGL_E_CIB_INVALID.exit);
    assert.match(r.err, /VGL_E_CIB_INVALID: .*cib\.xml: invalid CIB: 2 errors/);
    assert.match(r.err, /<primitive id="ip"> \(line 7\): missing required attribute 'class'/);
    assert.match(
      r.err,
      /<rsc_location id="prefer"> \(line 13\): attribute 'score' is not a valid score: "lots"/,
    );

    const j = await capture(['cib', 'check', '--json', '--xml', file]);
    assert.equal(j.code, ERROR_CATALOGUE.VGL_E_CIB_INVALID.exit);
    const report = JSON.parse(j.out) as { valid: boolean; errors: { tag: string; line: number }[] };
    assert.equal(report.valid, false);
    assert.deepEqual(
      report.errors.map((e) => [e.tag, e.line]),
      [
        ['primitive', 7],
        ['rsc_location', 13],
      ],
    );
  });

  it('reports malformed XML with line:col, and a missing file', async () => {
    await using dir = await tempDir('cib-check');
    const file = join(dir.path, 'cib.xml');
    await writeFile(file, VALID.replace('<status/>', '<status>'));
    const r = await capture(['cib', 'check', '--xml', file]);
    assert.equal(r.code, ERROR_CATALOGUE.VGL_E_PARSE.exit);
    assert.match(
      r.err,
      /VGL_E_PARSE: .*XML line 16:1: end tag <\/cib> does not match <status> opened at line 15:3/,
    );
    const missing = await capture(['cib', 'check', '--xml', join(dir.path, 'nope.xml')]);
    assert.equal(missing.code, ERROR_CATALOGUE.VGL_E_NOT_FOUND.exit);
    const usage = await capture(['cib', 'check']);
    assert.equal(usage.code, ERROR_CATALOGUE.VGL_E_USAGE.exit);
  });
});
