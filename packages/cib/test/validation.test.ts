import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VigilError } from '@vigil/base';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCib, validateCib, type CibIssue } from '@vigil/cib';
import { CORPUS_XML_DIR, corpusNeeded } from './corpus.js';

/** A small valid CIB; `config` goes into <resources>, `constraints` into <constraints>. */
function cib(parts: {
  resources?: string;
  constraints?: string;
  extra?: string;
  root?: string;
}): string {
  return `<cib epoch="1" num_updates="0" admin_epoch="0" validate-with="${parts.root ?? 'pacemaker-3.7'}">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="1" uname="n1"/>
      <node id="2" uname="n2"/>
    </nodes>
    <resources>
      <primitive id="base" class="ocf" provider="heartbeat" type="Dummy"/>
${parts.resources ?? ''}
    </resources>
    <constraints>
${parts.constraints ?? ''}
    </constraints>
${parts.extra ?? ''}
  </configuration>
  <status/>
</cib>`;
}

function errorsOf(text: string): CibIssue[] {
  try {
    readCib(text);
  } catch (e) {
    assert.ok(e instanceof VigilError);
    assert.equal(e.code, 'VGL_E_CIB_INVALID');
    return e.details['errors'] as CibIssue[];
  }
  assert.fail('expected VGL_E_CIB_INVALID');
}

function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, needle);
  return text.slice(0, i).split('\n').length;
}

interface Case {
  name: string;
  text: string;
  /** Expected: tag, id, a message fragment, and the text whose line the error should carry. */
  tag: string;
  id?: string;
  message: RegExp;
  at: string;
}

const cases: Case[] = [
  {
    name: 'a primitive without class',
    text: cib({ resources: `<primitive id="web" type="apache" provider="heartbeat"/>` }),
    tag: 'primitive',
    id: 'web',
    message: /missing required attribute 'class'/,
    at: '<primitive id="web"',
  },
  {
    name: 'an ocf primitive without provider',
    text: cib({ resources: `<primitive id="web" class="ocf" type="apache"/>` }),
    tag: 'primitive',
    id: 'web',
    message: /class 'ocf' needs a 'provider'/,
    at: '<primitive id="web"',
  },
  {
    name: 'a duplicate id',
    text: cib({
      resources: `<primitive id="base" description="again" class="ocf" provider="heartbeat" type="Dummy"/>`,
    }),
    tag: 'primitive',
    id: 'base',
    message: /duplicate id "base": already used by <primitive> at line \d+/,
    at: '<primitive id="base" description="again"',
  },
  {
    name: 'an unknown constraint kind',
    text: cib({ constraints: `<rsc_affinity id="c1" rsc="base"/>` }),
    tag: 'rsc_affinity',
    id: 'c1',
    message: /unknown constraint kind <rsc_affinity>/,
    at: '<rsc_affinity',
  },
  {
    name: 'an order kind outside the enumeration',
    text: cib({ constraints: `<rsc_order id="o1" first="base" then="base" kind="Sometimes"/>` }),
    tag: 'rsc_order',
    id: 'o1',
    message: /attribute 'kind' is "Sometimes", expected one of Mandatory, Optional, Serialize/,
    at: '<rsc_order',
  },
  {
    name: 'an id-ref to nothing',
    text: cib({
      resources: `<primitive id="web" class="ocf" provider="heartbeat" type="apache">
        <meta_attributes id-ref="no-such-set"/>
      </primitive>`,
    }),
    tag: 'meta_attributes',
    id: 'no-such-set',
    message: /id-ref "no-such-set" refers to no element/,
    at: '<meta_attributes id-ref',
  },
  {
    name: 'an id-ref to the wrong kind of element',
    text: cib({
      resources: `<primitive id="web" class="ocf" provider="heartbeat" type="apache">
        <operations id-ref="base"/>
      </primitive>`,
    }),
    tag: 'operations',
    id: 'base',
    message: /refers to a <primitive>, expected <operations>/,
    at: '<operations id-ref',
  },
  {
    name: 'a bad score',
    text: cib({ constraints: `<rsc_location id="l1" rsc="base" node="n1" score="abc"/>` }),
    tag: 'rsc_location',
    id: 'l1',
    message: /attribute 'score' is not a valid score: "abc"/,
    at: '<rsc_location',
  },
  {
    name: 'a group containing a clone',
    text: cib({
      resources: `<group id="g">
        <primitive id="a" class="ocf" provider="heartbeat" type="Dummy"/>
        <clone id="c"><primitive id="b" class="ocf" provider="heartbeat" type="Dummy"/></clone>
      </group>`,
    }),
    tag: 'clone',
    id: 'c',
    message: /a group can contain only primitives, not a clone \(in group "g"\)/,
    at: '<clone id="c"',
  },
  {
    name: 'a clone containing a clone',
    text: cib({
      resources: `<clone id="c1"><clone id="c2"><primitive id="b" class="ocf" provider="heartbeat" type="Dummy"/></clone></clone>`,
    }),
    tag: 'clone',
    id: 'c2',
    message: /a clone can contain only a primitive or a group, not a clone/,
    at: '<clone id="c2"',
  },
  {
    name: 'a primitive using a template that does not exist',
    text: cib({ resources: `<primitive id="vm" template="vm-template"/>` }),
    tag: 'primitive',
    id: 'vm',
    message: /template "vm-template" does not exist/,
    at: '<primitive id="vm"',
  },
  {
    name: 'a location constraint with neither node nor rule',
    text: cib({ constraints: `<rsc_location id="l1" rsc="base"/>` }),
    tag: 'rsc_location',
    id: 'l1',
    message: /needs 'node' and 'score', or a rule/,
    at: '<rsc_location',
  },
  {
    name: 'an unknown resource kind',
    text: cib({ resources: `<service id="s1"/>` }),
    tag: 'service',
    id: 's1',
    message: /unknown resource kind <service>/,
    at: '<service',
  },
  {
    name: 'a history entry with a non-integer rc-code',
    text: cib({}).replace(
      '<status/>',
      `<status><node_state id="1" uname="n1"><lrm id="1"><lrm_resources>
        <lrm_resource id="base" class="ocf" provider="heartbeat" type="Dummy">
          <lrm_rsc_op id="base_last_0" operation="start" call-id="3" rc-code="zero" op-status="0" interval="0"/>
        </lrm_resource></lrm_resources></lrm></node_state></status>`,
    ),
    tag: 'lrm_rsc_op',
    id: 'base_last_0',
    message: /attribute 'rc-code' must be an integer, not "zero"/,
    at: '<lrm_rsc_op',
  },
  {
    name: 'a rule expression with an unknown operation',
    text: cib({
      constraints: `<rsc_location id="l1" rsc="base">
        <rule id="r1" score="10"><expression id="e1" attribute="#uname" operation="like" value="n1"/></rule>
      </rsc_location>`,
    }),
    tag: 'expression',
    id: 'e1',
    message: /attribute 'operation' is "like", expected one of lt, gt/,
    at: '<expression',
  },
];

describe('CIB validation', () => {
  for (const c of cases) {
    it(`rejects ${c.name}, naming the element and its line`, () => {
      const errors = errorsOf(c.text);
      const match = errors.find((e) => c.message.test(e.message));
      assert.ok(match, `no error matching ${c.message} in ${JSON.stringify(errors, null, 1)}`);
      assert.equal(match.tag, c.tag);
      assert.equal(match.id, c.id);
      assert.equal(match.line, lineOf(c.text, c.at));
      assert.equal(match.severity, 'error');
    });
  }

  it('collects every error instead of stopping at the first, and lists them in the message', () => {
    const text = cib({
      resources: `<primitive id="a" type="Dummy"/>
      <primitive id="b" class="ocf" type="Dummy"/>`,
      constraints: `<rsc_location id="l1" rsc="a" node="n1" score="lots"/>
      <rsc_colocation id="c1" rsc="a" with-rsc="b" score="-inf"/>`,
    });
    try {
      readCib(text);
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof VigilError);
      const errors = e.details['errors'] as CibIssue[];
      assert.deepEqual(
        errors.map((x) => `${x.tag}#${x.id ?? ''}@${x.line ?? 0}`),
        [
          `primitive#a@${lineOf(text, '<primitive id="a"')}`,
          `primitive#b@${lineOf(text, '<primitive id="b"')}`,
          `rsc_location#l1@${lineOf(text, '<rsc_location')}`,
          `rsc_colocation#c1@${lineOf(text, '<rsc_colocation')}`,
        ],
      );
      assert.match(e.message, /^invalid CIB: 4 errors\n/);
      assert.match(
        e.message,
        /<rsc_colocation id="c1"> \(line \d+\): attribute 'score' is not a valid score: "-inf"/,
      );
    }
  });

  it('with validate-with="none", schema problems become warnings (as Pacemaker skips the schema)', () => {
    const text = cib({
      root: 'none',
      constraints: `<rsc_order id="o1" first="base" then="base" kind="Sometimes"/>`,
    });
    const { cib: model, warnings } = readCib(text);
    assert.equal(model.configuration.constraints.length, 1);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /attribute 'kind' is "Sometimes"/);
    // Problems Pacemaker itself rejects stay errors even then.
    const bad = cib({ root: 'none', resources: `<primitive id="x" type="Dummy"/>` });
    assert.match(errorsOf(bad)[0]!.message, /missing required attribute 'class'/);
  });

  it('warns about a constraint naming a resource that does not exist', () => {
    const { warnings } = readCib(
      cib({ constraints: `<rsc_location id="l1" rsc="ghost" node="n1" score="5"/>` }),
    );
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.tag, 'rsc_location');
    assert.match(warnings[0]!.message, /"ghost", which is not a resource/);
  });

  it('rejects two nodes with the same uname', () => {
    const text = cib({}).replace('<node id="2" uname="n2"/>', '<node id="2" uname="n1"/>');
    const e = errorsOf(text).find((x) => /duplicate node uname "n1"/.test(x.message));
    assert.ok(e);
    assert.equal(e.tag, 'node');
    assert.equal(e.id, '2');
    assert.equal(e.line, lineOf(text, '<node id="2"'));
  });

  it('warns about meta-attributes, durations and operations Pacemaker would ignore', () => {
    const text = cib({
      resources: `<primitive id="web" class="ocf" provider="heartbeat" type="apache">
        <meta_attributes id="web-meta">
          <nvpair id="m1" name="target-role" value="Runing"/>
          <nvpair id="m2" name="is-managed" value="perhaps"/>
          <nvpair id="m3" name="resource-stickiness" value="sticky"/>
          <nvpair id="m4" name="target-role" value="#default"/>
        </meta_attributes>
        <operations>
          <op id="mon1" name="monitor" interval="10s" timeout="soon"/>
          <op id="mon2" name="monitor" interval="10000ms"/>
        </operations>
      </primitive>`,
      constraints: `<rsc_colocation id="self" rsc="web" with-rsc="web" score="INFINITY"/>`,
    });
    const { warnings } = readCib(text);
    const got = warnings.map((w) => `${w.tag}#${w.id ?? ''}@${w.line ?? 0}`);
    assert.deepEqual(got, [
      `nvpair#m1@${lineOf(text, 'id="m1"')}`,
      `nvpair#m2@${lineOf(text, 'id="m2"')}`,
      `nvpair#m3@${lineOf(text, 'id="m3"')}`,
      `op#mon1@${lineOf(text, 'id="mon1"')}`,
      `op#mon2@${lineOf(text, 'id="mon2"')}`,
      `rsc_colocation#self@${lineOf(text, 'id="self"')}`,
    ]);
    assert.match(warnings[0]!.message, /target-role="Runing" is not a role/);
    assert.match(warnings[3]!.message, /'timeout' is not a duration: "soon"/);
    assert.match(warnings[4]!.message, /duplicates operation "mon1"/);
    assert.match(warnings[5]!.message, /colocates "web" with itself/);
  });

  it(
    'accepts the deliberately odd corpus case order-wrong-kind with a warning, as crm_simulate does',
    corpusNeeded,
    () => {
      const text = readFileSync(join(CORPUS_XML_DIR, 'order-wrong-kind.xml'), 'utf8');
      const { cib: model, warnings } = readCib(text);
      const order = model.configuration.constraints.find((c) => c.kind === 'order');
      assert.ok(order?.kind === 'order');
      assert.ok(warnings.some((w) => w.id === order.id && /attribute 'kind'/.test(w.message)));
    },
  );

  it('reports malformed XML as VGL_E_PARSE with line and column', () => {
    const text = cib({}).replace('<node id="2" uname="n2"/>', '<node id="2" uname="n2">');
    assert.throws(
      () => readCib(text),
      (e: unknown) =>
        e instanceof VigilError &&
        e.code === 'VGL_E_PARSE' &&
        /^XML line \d+:\d+: end tag <\/nodes> does not match <node> opened at line 6:7/.test(
          e.message,
        ),
    );
  });

  it('validates a model built in code with the same rules (validateCib)', () => {
    const { cib: model } = readCib(cib({}));
    assert.deepEqual(validateCib(model), { errors: [], warnings: [] });
    model.configuration.resources.push({
      kind: 'group',
      id: 'base',
      children: [],
      metaAttributes: [],
      instanceAttributes: [],
    });
    model.configuration.constraints.push({
      kind: 'colocation',
      id: 'c1',
      rsc: 'base',
      withRsc: 'base',
      score: 'always',
      sets: [],
    });
    const { errors, warnings } = validateCib(model);
    assert.deepEqual(
      errors.map((e) => [e.tag, e.id, e.line]),
      [
        ['group', 'base', undefined],
        ['group', 'base', undefined],
        ['rsc_colocation', 'c1', undefined],
      ],
    );
    assert.match(errors[0]!.message, /duplicate id "base"/);
    assert.match(errors[1]!.message, /a group needs at least one primitive/);
    assert.match(errors[2]!.message, /not a valid score: "always"/);
    assert.match(warnings[0]!.message, /colocates "base" with itself/);
  });

  it('rejects a root element other than <cib>', () => {
    const errors = errorsOf('<configuration/>');
    assert.match(errors[0]!.message, /the root element must be <cib>/);
  });
});
