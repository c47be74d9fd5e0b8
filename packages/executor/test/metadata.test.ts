import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Executor,
  listAgents,
  parseAgentMetadata,
  parseDurationMs,
  parseXml,
  agentHostIn,
} from '@vigil/executor';
import { needs, tempDir } from '@vigil/testkit';

describe('XML reader', () => {
  it('reads elements, attributes, text, CDATA, comments, entities and a DOCTYPE', () => {
    const x = parseXml(
      `<?xml version="1.0"?>\n<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd" [ <!ENTITY x "y"> ]>\n<!-- c -->\n<a k="1 &lt; 2" j='&#65;&#x42;'><b/><c>t &amp; u<![CDATA[<raw>]]></c></a>`,
    );
    assert.equal(x.name, 'a');
    assert.deepEqual(x.attrs, { k: '1 < 2', j: 'AB' });
    assert.deepEqual(
      x.children.map((c) => c.name),
      ['b', 'c'],
    );
    assert.equal(x.children[1]!.text, 't & u<raw>');
  });

  it('names what is wrong in malformed XML', () => {
    const cases: [string, RegExp][] = [
      ['<a><b></a>', /end tag <\/a> does not match <b>/],
      ['<a>', /unclosed element <a>/],
      ['', /no root element/],
      ['<a x="1" x="2"/>', /duplicate attribute x/],
      ['<a>&bogus;</a>', /unknown entity &bogus;/],
      ['<a/><b/>', /content after the root element/],
      ['<a><!-- x </a>', /unterminated comment/],
      ['text<a/>', /text outside the root element/],
    ];
    for (const [src, re] of cases) {
      assert.throws(
        () => parseXml(src),
        (e: { code?: string; message: string }) => {
          assert.equal(e.code, 'VGL_E_PARSE', src);
          assert.match(e.message, re, src);
          return true;
        },
      );
    }
  });

  it('round-trips escaped attribute and text values (property)', () => {
    const esc = (s: string): string =>
      s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, t) => {
        const x = parseXml(`<r v="${esc(a)}">${esc(t)}</r>`);
        assert.equal(x.attrs.v, a);
        assert.equal(x.text, t);
      }),
    );
  });
});

describe('durations', () => {
  it('parses Pacemaker-style durations to ms and rejects junk', () => {
    const cases: [string, number][] = [
      ['20', 20_000],
      ['20s', 20_000],
      ['100ms', 100],
      ['2min', 120_000],
      ['2m', 120_000],
      ['1h', 3_600_000],
      ['PT10S', 10_000],
      ['PT1M30S', 90_000],
    ];
    for (const [t, ms] of cases) assert.equal(parseDurationMs(t), ms, t);
    for (const bad of ['', 'abc', '10 parsecs', '-5s']) {
      assert.throws(() => parseDurationMs(bad), { code: 'VGL_E_INVALID_INPUT' });
    }
  });
});

describe('agent meta-data', () => {
  it('parses parameters, select options, defaults and actions into the typed form', () => {
    const md = parseAgentMetadata(`<?xml version="1.0"?>
<resource-agent name="T" version="1.2">
<version>1.1</version>
<longdesc lang="en">Long
  text</longdesc>
<shortdesc lang="en">Short</shortdesc>
<parameters>
<parameter name="ip" unique="1" required="1"><longdesc lang="en">l</longdesc><shortdesc lang="en">The IP</shortdesc><content type="string"/></parameter>
<parameter name="mode" reloadable="1" unique-group="g"><shortdesc lang="en">m</shortdesc>
<content type="select" default="\${HA_VARRUN%%/}/x"><option value="a"/><option value="b"/></content></parameter>
</parameters>
<actions>
<action name="start" timeout="20s"/>
<action name="monitor" timeout="30" interval="10s" depth="0" role="Promoted"/>
</actions>
</resource-agent>`);
    assert.equal(md.name, 'T');
    assert.equal(md.version, '1.2');
    assert.equal(md.ocfVersion, '1.1');
    assert.equal(md.longdesc, 'Long text');
    assert.deepEqual(md.parameters[0], {
      name: 'ip',
      required: true,
      unique: true,
      reloadable: false,
      deprecated: false,
      shortdesc: 'The IP',
      longdesc: 'l',
      type: 'string',
    });
    assert.equal(md.parameters[1]!.default, '${HA_VARRUN%%/}/x');
    assert.deepEqual(md.parameters[1]!.options, ['a', 'b']);
    assert.equal(md.parameters[1]!.uniqueGroup, 'g');
    assert.deepEqual(md.actions, [
      { name: 'start', timeoutMs: 20_000 },
      { name: 'monitor', timeoutMs: 30_000, intervalMs: 10_000, depth: 0, role: 'Promoted' },
    ]);
    assert.throws(() => parseAgentMetadata('<other/>'), { code: 'VGL_E_PARSE' });
    assert.throws(() => parseAgentMetadata('<resource-agent/>'), /has no name/);
  });

  it(
    'sweep: runs meta-data for every installed OCF agent and parses it',
    { ...needs('file:/usr/lib/ocf/resource.d/heartbeat/Dummy') },
    async () => {
      await using dir = await tempDir('sweep');
      const host = agentHostIn(dir.path, 'node1');
      const ex = new Executor({ host });
      const agents = listAgents(host, 'ocf').map((a) => a.agent);
      const failed: string[] = [];
      let parsed = 0;
      let withActions = 0;
      const queue = [...agents];
      await Promise.all(
        [0, 1, 2, 3].map(async () => {
          for (let a = queue.shift(); a !== undefined; a = queue.shift()) {
            try {
              const md = await ex.metadata(a);
              parsed++;
              if (
                md.actions.some((x) => x.name === 'start') ||
                md.actions.some((x) => x.name === 'monitor')
              )
                withActions++;
            } catch (e) {
              failed.push(`${a}: ${(e as Error).message}`);
            }
          }
        }),
      );
      await ex.close();
      console.log(
        `meta-data sweep: ${parsed} of ${agents.length} OCF agents parse (${withActions} declare start or monitor)`,
      );
      if (failed.length > 0) console.log(`meta-data sweep failures:\n${failed.join('\n')}`);
      assert.ok(agents.length >= 100, `only ${agents.length} OCF agents installed`);
      assert.ok(
        parsed >= Math.floor(agents.length * 0.95),
        `${parsed}/${agents.length} parse: ${failed.join('; ')}`,
      );
    },
  );
});
