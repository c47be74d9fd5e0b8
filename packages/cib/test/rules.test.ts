import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CibIndex,
  compareValues,
  evaluateNvSets,
  evaluateRule,
  parseIsoDate,
  readCib,
  ruleScore,
  type Rule,
  type RuleContext,
} from '@vigil/cib';
import { CORPUS_XML_DIR, corpusNeeded } from './corpus.js';

/** Reads the rules of one rsc_location in a small CIB built around `ruleXml`. */
function ruleOf(ruleXml: string): { rule: Rule; index: CibIndex } {
  const { cib } =
    readCib(`<cib epoch="1" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.7">
  <configuration><crm_config/><nodes/>
    <resources><primitive id="r" class="ocf" provider="heartbeat" type="Dummy"/></resources>
    <constraints><rsc_location id="l" rsc="r">${ruleXml}</rsc_location></constraints>
  </configuration><status/></cib>`);
  const k = cib.configuration.constraints[0]!;
  assert.equal(k.kind, 'location');
  return { rule: k.rules[0]!, index: CibIndex.of(cib) };
}

const node = (attrs: Record<string, string>): RuleContext => ({ nodeAttributes: attrs });

describe('rule evaluation', () => {
  it('compares node attributes with the documented default types', () => {
    const { rule } = ruleOf(
      `<rule id="r1" score="10"><expression id="e" attribute="cpus" operation="gt" value="8"/></rule>`,
    );
    assert.equal(evaluateRule(rule, node({ cpus: '16' })), true); // integer, not "16" < "8" as strings
    assert.equal(evaluateRule(rule, node({ cpus: '4' })), false);
    assert.equal(evaluateRule(rule, node({})), false);
    assert.equal(compareValues('1.5', '1.25', undefined, 'gt'), 1); // number when a '.' appears
    assert.equal(compareValues('abc', '10', undefined, 'lt'), 1); // numeric parse fails → string
    assert.equal(compareValues('2.10', '2.9', 'version', 'gt'), 1);
    assert.equal(compareValues('Node1', 'node1', undefined, 'eq'), 0);
  });

  it('handles defined, not_defined, ne with a missing attribute, and or/and', () => {
    const { rule } = ruleOf(`<rule id="r1" score="10" boolean-op="or">
      <expression id="e1" attribute="#uname" operation="eq" value="n1"/>
      <expression id="e2" attribute="gpu" operation="defined"/>
    </rule>`);
    assert.equal(evaluateRule(rule, node({ '#uname': 'n1' })), true);
    assert.equal(evaluateRule(rule, node({ '#uname': 'n2', gpu: 'yes' })), true);
    assert.equal(evaluateRule(rule, node({ '#uname': 'n2' })), false);
    const { rule: and } = ruleOf(`<rule id="r2" score="10">
      <expression id="e3" attribute="zone" operation="ne" value="a"/>
      <expression id="e4" attribute="gpu" operation="not_defined"/>
    </rule>`);
    assert.equal(evaluateRule(and, node({})), true);
    assert.equal(evaluateRule(and, node({ zone: 'a' })), false);
    assert.equal(evaluateRule(and, node({ gpu: '1' })), false);
  });

  it('takes the comparison value from a resource parameter with value-source="param"', () => {
    const { rule } = ruleOf(
      `<rule id="r1" score="10"><expression id="e" attribute="site" operation="eq" value="home" value-source="param"/></rule>`,
    );
    assert.equal(
      evaluateRule(rule, { nodeAttributes: { site: 'x' }, resourceParams: { home: 'x' } }),
      true,
    );
    assert.equal(
      evaluateRule(rule, { nodeAttributes: { site: 'x' }, resourceParams: { home: 'y' } }),
      false,
    );
  });

  it('evaluates date expressions against the given time only', () => {
    const { rule } = ruleOf(`<rule id="r1" score="10">
      <date_expression id="d1" operation="in_range" start="2019-09-23 11:00:00 -05:00">
        <duration id="d1-dur" hours="2"/>
      </date_expression>
    </rule>`);
    const at = (s: string): RuleContext => ({ now: parseIsoDate(s)! });
    assert.equal(evaluateRule(rule, at('2019-09-23 16:00:00Z')), true);
    assert.equal(evaluateRule(rule, at('2019-09-23 18:00:00Z')), true);
    assert.equal(evaluateRule(rule, at('2019-09-23 18:00:01Z')), false);
    assert.equal(evaluateRule(rule, at('2019-09-23 15:59:59Z')), false);
    assert.equal(evaluateRule(rule, {}), false);
    const { rule: spec } = ruleOf(`<rule id="r2" score="10">
      <date_expression id="d2" operation="date_spec"><date_spec id="s" weekdays="1-5" hours="9-16"/></date_expression>
    </rule>`);
    assert.equal(evaluateRule(spec, at('2024-01-08 09:00:00Z')), true); // a Monday
    assert.equal(evaluateRule(spec, at('2024-01-08 17:00:00Z')), false);
    assert.equal(evaluateRule(spec, at('2024-01-07 10:00:00Z')), false); // a Sunday
  });

  it('resolves rule id-refs through the index and gives score-attribute scores', () => {
    const { rule, index } = ruleOf(`<rule id="r1" score-attribute="weight">
      <expression id="e1" attribute="#uname" operation="eq" value="n1"/>
    </rule>`);
    assert.equal(ruleScore(rule, node({ weight: '250' })), 250);
    assert.equal(ruleScore(rule, node({})), undefined);
    const ref: Rule = { kind: 'rule', idRef: 'r1', expressions: [] };
    assert.equal(
      evaluateRule(ref, { ...node({ '#uname': 'n1' }), resolve: index.resolveRule }),
      true,
    );
    assert.equal(evaluateRule(ref, node({ '#uname': 'n1' })), false); // nothing to resolve it with
  });
});

describe('nvpair set evaluation', () => {
  const { cib } =
    readCib(`<cib epoch="1" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.7">
  <configuration>
    <crm_config>
      <cluster_property_set id="low" score="1"><nvpair id="a1" name="a" value="low"/><nvpair id="b1" name="b" value="low"/></cluster_property_set>
      <cluster_property_set id="cib-bootstrap-options"><nvpair id="a0" name="a" value="bootstrap"/></cluster_property_set>
      <cluster_property_set id="high" score="5">
        <rule id="hr" score="0"><expression id="he" attribute="#uname" operation="eq" value="n2"/></rule>
        <nvpair id="a2" name="a" value="high"/><nvpair id="c2" name="c" value="high"/><nvpair id="c3" name="c" value="second"/>
      </cluster_property_set>
      <cluster_property_set id="reuse" score="3"><nvpair id-ref="b1"/></cluster_property_set>
    </crm_config>
    <nodes/><resources/><constraints/>
  </configuration><status/></cib>`);
  const index = CibIndex.of(cib);
  const sets = cib.configuration.crmConfig;

  it('takes sets by descending score, first value wins, rules filter sets', () => {
    const n1 = evaluateNvSets(sets, node({ '#uname': 'n1' }), { index });
    assert.deepEqual(Object.fromEntries(n1), { a: 'low', b: 'low' });
    const n2 = evaluateNvSets(sets, node({ '#uname': 'n2' }), { index });
    assert.deepEqual(Object.fromEntries(n2), { a: 'high', b: 'low', c: 'high' });
  });

  it('puts firstId before every other set', () => {
    const m = evaluateNvSets(sets, node({ '#uname': 'n2' }), {
      index,
      firstId: 'cib-bootstrap-options',
    });
    assert.equal(m.get('a'), 'bootstrap');
  });

  it(
    'decides the corpus date-spec cases date-2 (pass) and date-3 (fail) as described',
    corpusNeeded,
    () => {
      const cases = readFileSync(join(CORPUS_XML_DIR, '..', 'cases.tsv'), 'utf8').split('\n');
      for (const name of ['date-2', 'date-3']) {
        const row = cases.find((l) => l.startsWith(`${name}\t`))!.split('\t');
        const description = row[2]!;
        const time = /-t\s+'?([^']+)'?/.exec(row[3]!)![1]!;
        const { cib: c } = readCib(readFileSync(join(CORPUS_XML_DIR, `${name}.xml`), 'utf8'));
        const now = parseIsoDate(time)!;
        const overrides = c.configuration.crmConfig.find((s) => s.id === 'overrides')!;
        const passes = overrides.rules.every((r) => evaluateRule(r, { now }));
        assert.equal(passes, /Pass/.test(description), `${name}: ${description}`);
        // The option the passing set carries wins over the lower-scored set's value.
        const options = evaluateNvSets(
          c.configuration.crmConfig,
          { now },
          { index: CibIndex.of(c) },
        );
        const fromOverrides = overrides.nvpairs.find((p) => p.name === 'cluster-delay')!.value;
        assert.equal(options.get('cluster-delay') === fromOverrides, passes);
      }
    },
  );
});
