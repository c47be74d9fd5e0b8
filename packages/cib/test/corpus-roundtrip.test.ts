import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCib, writeCib, type Cib } from '@vigil/cib';
import { CORPUS_XML_DIR, corpusFiles, corpusNeeded } from './corpus.js';

/** Counts modelled elements so the test proves the reader did not silently drop sections. */
interface Census {
  nodes: number;
  resources: number;
  constraints: number;
  nodeStates: number;
  ops: number;
}

function census(cib: Cib): Census {
  const c = cib.configuration;
  let ops = 0;
  for (const ns of cib.status.nodeStates)
    for (const r of ns.lrm?.resources ?? []) ops += r.ops.length;
  return {
    nodes: c.nodes.length,
    resources: c.resources.length,
    constraints: c.constraints.length,
    nodeStates: cib.status.nodeStates.length,
    ops,
  };
}

describe('corpus round trip (Pacemaker 2.1.5 scheduler inputs)', () => {
  it('reads every input, and read → write → read gives the same model', corpusNeeded, () => {
    const files = corpusFiles();
    assert.equal(files.length, 798, `expected 798 corpus inputs in ${CORPUS_XML_DIR}`);
    const failures: string[] = [];
    let totals: Census = { nodes: 0, resources: 0, constraints: 0, nodeStates: 0, ops: 0 };
    for (const f of files) {
      const text = readFileSync(join(CORPUS_XML_DIR, f), 'utf8');
      try {
        const { cib } = readCib(text);
        const written = writeCib(cib);
        const again = readCib(written).cib;
        assert.deepStrictEqual(again, cib);
        const n = census(cib);
        totals = {
          nodes: totals.nodes + n.nodes,
          resources: totals.resources + n.resources,
          constraints: totals.constraints + n.constraints,
          nodeStates: totals.nodeStates + n.nodeStates,
          ops: totals.ops + n.ops,
        };
      } catch (e) {
        failures.push(`${f}: ${(e as Error).message.slice(0, 400)}`);
      }
    }
    assert.deepEqual(failures, []);
    // Independent check against raw text: every <lrm_rsc_op and <rsc_ in the corpus is modelled.
    let rawOps = 0;
    let rawConstraints = 0;
    for (const f of files) {
      const text = readFileSync(join(CORPUS_XML_DIR, f), 'utf8');
      rawOps += text.split('<lrm_rsc_op ').length - 1;
      rawConstraints += (text.match(/<rsc_(location|colocation|order|ticket)[\s>]/g) ?? []).length;
    }
    assert.equal(totals.ops, rawOps);
    assert.equal(totals.constraints, rawConstraints);
  });
});
