/**
 * Property: for generated CIB models, read(write(model)) deep-equals the model.
 *
 * The generator builds models the way the reader produces them (absent fields absent, ids
 * unique, references resolvable, enumerations valid) but with arbitrary text everywhere text is
 * free, unknown attributes and elements in `extra`, and every element kind of the model.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  readCib,
  writeCib,
  type Cib,
  type Constraint,
  type NvSet,
  type Operations,
  type Primitive,
  type Resource,
  type Rule,
  type RuleExpression,
  type XmlElement,
} from '@vigil/cib';

/** Free text: XML-special characters, whitespace that must survive escaping, non-ASCII. */
const text = fc
  .array(
    fc.oneof(
      fc.constantFrom('<', '>', '&', '"', "'", '\t', '\n', '\r', ' ', 'é', '𝄞', '&amp;'),
      fc.string({ unit: 'grapheme-ascii', maxLength: 6 }),
    ),
    { maxLength: 4 },
  )
  .map((a) => a.join(''));
const word = fc.stringMatching(/^[a-z][a-z0-9_-]{0,7}$/);
const score = fc.oneof(
  fc.integer({ min: -2_000_000, max: 2_000_000 }).map(String),
  fc.constantFrom('INFINITY', '+INFINITY', '-INFINITY', 'red', 'yellow', 'green'),
);
const role = fc.constantFrom('Started', 'Stopped', 'Promoted', 'Unpromoted', 'Master', 'Slave');
const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.option(a, { nil: undefined });
const small = <T>(a: fc.Arbitrary<T>, max = 2): fc.Arbitrary<T[]> =>
  fc.array(a, { maxLength: max });

/** `T` with the keys that may be undefined made optional instead. */
type StripUndefined<T> = {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
} & { [K in keyof T as undefined extends T[K] ? never : K]: T[K] };

/** Drops keys whose value is undefined (the reader never produces them). */
function def<T extends object>(o: T): StripUndefined<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as StripUndefined<T>;
}

/** Unique ids: every generated element gets `prefix-N`. */
class Ids {
  private n = 0;
  next(prefix: string): string {
    return `${prefix}-${++this.n}`;
  }
}

const extraArb = opt(
  fc.record(
    {
      attrs: fc.dictionary(fc.stringMatching(/^x-[a-z]{1,5}$/), text, {
        minKeys: 1,
        maxKeys: 2,
        noNullPrototype: true,
      }),
    },
    { noNullPrototype: true },
  ),
);

const unknownElement: fc.Arbitrary<XmlElement> = fc.record(
  {
    type: fc.constant('element' as const),
    name: fc.stringMatching(/^vendor-[a-z]{1,5}$/),
    attrs: fc.dictionary(word, text, { maxKeys: 2, noNullPrototype: true }),
    children: fc.constant([]),
  },
  { noNullPrototype: true },
);

// ------------------------------------------------------------------ rules and nvsets

type Plan<T> = (ids: Ids) => T;

const expressionPlan: fc.Arbitrary<Plan<RuleExpression>> = fc.oneof(
  fc
    .record({
      attribute: text,
      operation: fc.constantFrom('lt', 'gt', 'lte', 'gte', 'eq', 'ne', 'defined', 'not_defined'),
      value: opt(text),
      type: opt(fc.constantFrom('string', 'integer', 'number', 'version')),
      valueSource: opt(fc.constantFrom('literal', 'param', 'meta')),
    })
    .map((r) => (ids: Ids) => def({ kind: 'expression' as const, id: ids.next('expr'), ...r })),
  fc
    .record({
      operation: fc.constantFrom('gt', 'lt', 'in_range', 'date_spec'),
      start: opt(text),
      end: opt(text),
      hours: opt(fc.constantFrom('9-16', '12')),
      days: opt(fc.constantFrom('1', '7')),
    })
    .map((r) => (ids: Ids) => {
      const x: RuleExpression = def({
        kind: 'date_expression' as const,
        id: ids.next('date'),
        operation: r.operation,
        start: r.start,
        end: r.end,
      });
      if (r.hours !== undefined) x.dateSpec = { id: ids.next('spec'), hours: r.hours };
      if (r.days !== undefined) x.duration = { id: ids.next('dur'), days: r.days };
      return x;
    }),
  fc
    .record({ class: opt(word), provider: opt(word), type: opt(word) })
    .map((r) => (ids: Ids) => def({ kind: 'rsc_expression' as const, id: ids.next('rscx'), ...r })),
  fc
    .record({ name: word, interval: opt(fc.constantFrom('10s', '0', 'P1M')) })
    .map((r) => (ids: Ids) => def({ kind: 'op_expression' as const, id: ids.next('opx'), ...r })),
);

const rulePlan: fc.Arbitrary<Plan<Rule>> = fc.letrec<{ rule: Plan<Rule> }>((tie) => ({
  rule: fc
    .record({
      score: opt(score),
      booleanOp: opt(fc.constantFrom('and', 'or')),
      role: opt(role),
      expressions: fc.array(
        fc.oneof({ maxDepth: 2, depthIdentifier: 'rule' }, expressionPlan, tie('rule')),
        { maxLength: 3 },
      ),
      extra: extraArb,
    })
    .map(
      (r) => (ids: Ids) =>
        def({
          kind: 'rule' as const,
          id: ids.next('rule'),
          score: r.score,
          booleanOp: r.booleanOp,
          role: r.role,
          expressions: r.expressions.map((p) => p(ids)),
          extra: r.extra,
        }),
    ),
})).rule;

const nvsetPlan: fc.Arbitrary<Plan<NvSet>> = fc
  .record({
    score: opt(score),
    rule: opt(rulePlan),
    pairs: small(fc.record({ name: text, value: opt(text) }), 3),
    extra: extraArb,
  })
  .map(
    (r) => (ids: Ids) =>
      def({
        id: ids.next('set'),
        score: r.score,
        rules: r.rule ? [r.rule(ids)] : [],
        nvpairs: r.pairs.map((p) => def({ id: ids.next('nv'), name: p.name, value: p.value })),
        extra: r.extra,
      }),
  );
const setsPlan = small(nvsetPlan).map((ps) => (ids: Ids) => ps.map((p) => p(ids)));

// ------------------------------------------------------------------ resources

const operationsPlan: fc.Arbitrary<Plan<Operations>> = small(
  fc.record({
    name: fc.constantFrom('monitor', 'start', 'stop', 'promote'),
    interval: fc.constantFrom('0', '10s', '20000ms', 'P10S'),
    timeout: opt(fc.constantFrom('20s', '60', 'bad')),
    role: opt(role),
    onFail: opt(fc.constantFrom('restart', 'fence', 'block', 'ignore')),
    meta: setsPlan,
  }),
  3,
).map((ops) => (ids: Ids) => ({
  id: ids.next('ops'),
  ops: ops.map((o) =>
    def({
      id: ids.next('op'),
      name: o.name,
      interval: o.interval,
      timeout: o.timeout,
      role: o.role,
      onFail: o.onFail,
      instanceAttributes: [],
      metaAttributes: o.meta(ids),
    }),
  ),
}));

const primitivePlan: fc.Arbitrary<Plan<Primitive>> = fc
  .record({
    cls: fc.constantFrom('ocf', 'stonith', 'lsb', 'systemd'),
    provider: word,
    type: word,
    description: opt(text),
    meta: setsPlan,
    inst: setsPlan,
    util: setsPlan,
    ops: opt(operationsPlan),
    extra: extraArb,
  })
  .map((r) => (ids: Ids) => {
    const p: Primitive = def({
      kind: 'primitive' as const,
      id: ids.next('rsc'),
      class: r.cls,
      provider: r.cls === 'ocf' ? r.provider : undefined,
      type: r.type,
      description: r.description,
      metaAttributes: r.meta(ids),
      instanceAttributes: r.inst(ids),
      utilization: r.util(ids),
      extra: r.extra,
    });
    if (r.ops) p.operations = r.ops(ids);
    return p;
  });

const resourcePlan: fc.Arbitrary<Plan<Resource>> = fc.oneof(
  primitivePlan,
  fc
    .record({ children: fc.array(primitivePlan, { minLength: 1, maxLength: 3 }), meta: setsPlan })
    .map((r) => (ids: Ids) => ({
      kind: 'group' as const,
      id: ids.next('grp'),
      children: r.children.map((c) => c(ids)),
      metaAttributes: r.meta(ids),
      instanceAttributes: [],
    })),
  fc
    .record({
      legacy: fc.boolean(),
      child: fc.oneof(
        primitivePlan,
        fc.array(primitivePlan, { minLength: 1, maxLength: 2 }).map((cs) => (ids: Ids) => ({
          kind: 'group' as const,
          id: ids.next('cgrp'),
          children: cs.map((c) => c(ids)),
          metaAttributes: [],
          instanceAttributes: [],
        })),
      ),
      meta: setsPlan,
    })
    .map(
      (r) => (ids: Ids) =>
        def({
          kind: 'clone' as const,
          id: ids.next('clone'),
          legacyMaster: r.legacy ? true : undefined,
          child: r.child(ids),
          metaAttributes: r.meta(ids),
          instanceAttributes: [],
        }),
    ),
  fc
    .record({
      runtime: fc.constantFrom('docker' as const, 'podman' as const, 'rkt' as const),
      image: text,
      replicas: opt(fc.constantFrom('1', '3')),
      network: opt(small(fc.constantFrom('80', '443'))),
      storage: opt(small(fc.record({ source: text, target: text }))),
      primitive: opt(primitivePlan),
      meta: setsPlan,
    })
    .map(
      (r) => (ids: Ids) =>
        def({
          kind: 'bundle' as const,
          id: ids.next('bundle'),
          runtime: def({ kind: r.runtime, image: r.image, replicas: r.replicas }),
          network:
            r.network === undefined
              ? undefined
              : { portMappings: r.network.map((port) => ({ id: ids.next('pm'), port })) },
          storage: r.storage?.map((m) => ({
            id: ids.next('sm'),
            sourceDir: m.source,
            targetDir: m.target,
          })),
          primitive: r.primitive?.(ids),
          metaAttributes: r.meta(ids),
          instanceAttributes: [],
        }),
    ),
);

// ------------------------------------------------------------------ constraints

/** Resource picks are indexes into the generated resources, resolved when building. */
const constraintPlan = fc.oneof(
  fc.record({
    kind: fc.constant('location' as const),
    a: fc.nat(),
    withRules: opt(small(rulePlan, 2)),
    score,
    role: opt(role),
    discovery: opt(fc.constantFrom('always', 'never', 'exclusive')),
  }),
  fc.record({
    kind: fc.constant('colocation' as const),
    a: fc.nat(),
    b: fc.nat(),
    score,
    sets: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('order' as const),
    a: fc.nat(),
    b: fc.nat(),
    orderKind: opt(fc.constantFrom('Mandatory', 'Optional', 'Serialize')),
    sets: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('ticket' as const),
    a: fc.nat(),
    ticket: word,
    lossPolicy: opt(fc.constantFrom('stop', 'demote', 'fence', 'freeze')),
  }),
);

type ConstraintPlan = typeof constraintPlan extends fc.Arbitrary<infer T> ? T : never;

function buildConstraint(
  c: ConstraintPlan,
  ids: Ids,
  rscIds: string[],
  nodes: string[],
): Constraint {
  const pick = (n: number): string => rscIds[n % rscIds.length]!;
  switch (c.kind) {
    case 'location':
      if (c.withRules !== undefined && c.withRules.length > 0) {
        return def({
          kind: 'location' as const,
          id: ids.next('loc'),
          rsc: pick(c.a),
          role: c.role,
          resourceDiscovery: c.discovery,
          rules: c.withRules.map((r) => r(ids)),
          sets: [],
        });
      }
      return def({
        kind: 'location' as const,
        id: ids.next('loc'),
        rsc: pick(c.a),
        node: nodes[c.a % nodes.length]!,
        score: c.score,
        role: c.role,
        resourceDiscovery: c.discovery,
        rules: [],
        sets: [],
      });
    case 'colocation':
      return c.sets
        ? {
            kind: 'colocation' as const,
            id: ids.next('col'),
            score: c.score,
            sets: [
              { id: ids.next('rs'), sequential: 'false', resources: [pick(c.a), pick(c.b)] },
              { id: ids.next('rs'), resources: [pick(c.b)] },
            ],
          }
        : {
            kind: 'colocation' as const,
            id: ids.next('col'),
            rsc: pick(c.a),
            withRsc: pick(c.b),
            score: c.score,
            sets: [],
          };
    case 'order':
      return c.sets
        ? def({
            kind: 'order' as const,
            id: ids.next('ord'),
            orderKind: c.orderKind,
            sets: [{ id: ids.next('rs'), action: 'start', resources: [pick(c.a), pick(c.b)] }],
          })
        : def({
            kind: 'order' as const,
            id: ids.next('ord'),
            first: pick(c.a),
            then: pick(c.b),
            firstAction: 'start',
            thenAction: 'start',
            orderKind: c.orderKind,
            sets: [],
          });
    case 'ticket':
      return def({
        kind: 'ticket' as const,
        id: ids.next('tkt'),
        ticket: c.ticket,
        rsc: pick(c.a),
        lossPolicy: c.lossPolicy,
        sets: [],
      });
  }
}

// ------------------------------------------------------------------ status

const lrmOpArb = fc.record({
  operation: fc.constantFrom('start', 'stop', 'monitor', 'promote'),
  callId: fc.integer({ min: -1, max: 1_000_000 }),
  rcCode: fc.integer({ min: 0, max: 10 }),
  opStatus: fc.integer({ min: -1, max: 8 }),
  interval: fc.constantFrom(0, 10_000, 60_000),
  lastRcChange: opt(fc.integer({ min: 0, max: 2 ** 33 })),
  execTime: opt(fc.nat(100_000)),
  opDigest: opt(fc.stringMatching(/^[0-9a-f]{32}$/)),
  exitReason: opt(text),
  transitionKey: opt(text),
  onNode: opt(word),
});

// ------------------------------------------------------------------ whole CIB

const cibArb: fc.Arbitrary<Cib> = fc
  .record({
    epoch: fc.nat(),
    numUpdates: fc.nat(),
    adminEpoch: fc.nat(),
    haveQuorum: opt(fc.constantFrom('0', '1', 'true', 'false')),
    executionDate: opt(fc.integer({ min: 0, max: 2 ** 33 })),
    crmConfig: setsPlan,
    nodes: fc.array(
      fc.record({ uname: word, type: opt(fc.constantFrom('member', 'remote')), attrs: setsPlan }),
      { minLength: 1, maxLength: 3 },
    ),
    resources: fc.array(resourcePlan, { minLength: 1, maxLength: 4 }),
    template: opt(primitivePlan),
    constraints: small(constraintPlan, 5),
    rscDefaults: setsPlan,
    opDefaults: setsPlan,
    tag: fc.boolean(),
    alert: opt(fc.record({ path: text, recipient: text })),
    fencing: small(fc.record({ index: fc.integer({ min: 1, max: 9 }), devices: word }), 2),
    acls: fc.boolean(),
    unknownSection: opt(unknownElement),
    states: small(
      fc.record({
        inCcm: opt(fc.constantFrom('true', 'false', '1700000000')),
        crmd: opt(fc.constantFrom('online', 'offline')),
        join: opt(fc.constantFrom('member', 'down')),
        transient: opt(setsPlan),
        lrm: opt(small(fc.record({ pick: fc.nat(), ops: small(lrmOpArb, 3) }), 3)),
        extra: opt(unknownElement),
      }),
      3,
    ),
    tickets: opt(
      small(
        fc.record({
          granted: opt(fc.constantFrom('true', 'false')),
          standby: opt(fc.constantFrom('true', 'false')),
        }),
      ),
    ),
  })
  .map((g) => {
    const ids = new Ids();
    const nodes = g.nodes.map((n, i) =>
      def({
        id: String(i + 1),
        uname: `${n.uname}-${i + 1}`,
        type: n.type,
        instanceAttributes: n.attrs(ids),
        utilization: [],
      }),
    );
    const resources = g.resources.map((r) => r(ids));
    const rscIds = resources.map((r) => r.id);
    const cib: Cib = {
      attributes: def({
        epoch: g.epoch,
        numUpdates: g.numUpdates,
        adminEpoch: g.adminEpoch,
        validateWith: 'pacemaker-3.7',
        haveQuorum: g.haveQuorum,
        executionDate: g.executionDate,
      }),
      configuration: {
        crmConfig: g.crmConfig(ids),
        nodes,
        resources,
        templates: [],
        constraints: g.constraints.map((c) =>
          buildConstraint(
            c,
            ids,
            rscIds,
            nodes.map((n) => n.uname),
          ),
        ),
        rscDefaults: g.rscDefaults(ids),
        opDefaults: g.opDefaults(ids),
        tags: g.tag ? [{ id: ids.next('tag'), refs: rscIds.slice(0, 2) }] : [],
        alerts: g.alert
          ? [
              {
                id: ids.next('alert'),
                path: g.alert.path,
                metaAttributes: [],
                instanceAttributes: [],
                recipients: [
                  {
                    id: ids.next('rcpt'),
                    value: g.alert.recipient,
                    metaAttributes: [],
                    instanceAttributes: [],
                  },
                ],
              },
            ]
          : [],
        fencingTopology: g.fencing.map((f, i) => ({
          id: ids.next('fl'),
          index: String(f.index),
          devices: f.devices,
          target: nodes[i % nodes.length]!.uname,
        })),
      },
      status: { nodeStates: [] },
    };
    const cfg = cib.configuration;
    if (g.template) {
      const t = g.template(ids);
      cfg.templates.push(
        def({
          id: t.id,
          class: t.class,
          provider: t.provider,
          type: t.type,
          metaAttributes: t.metaAttributes,
          instanceAttributes: t.instanceAttributes,
          utilization: t.utilization,
          operations: t.operations,
        }),
      );
      cfg.resources.push({
        kind: 'primitive',
        id: ids.next('from-template'),
        template: t.id,
        metaAttributes: [],
        instanceAttributes: [],
        utilization: [],
      });
    }
    if (g.acls) cfg.acls = { type: 'element', name: 'acls', attrs: {}, children: [] };
    if (g.unknownSection) cfg.extra = { children: [g.unknownSection] };
    cib.status.nodeStates = g.states.map((s, i) => {
      const n = nodes[i % nodes.length]!;
      const st = def({ id: n.id, uname: n.uname, inCcm: s.inCcm, crmd: s.crmd, join: s.join });
      if (s.transient)
        Object.assign(st, { transientAttributes: { id: n.id, sets: s.transient(ids) } });
      if (s.lrm) {
        Object.assign(st, {
          lrm: {
            id: n.id,
            resources: s.lrm.map((l) => ({
              id: rscIds[l.pick % rscIds.length]!,
              class: 'ocf',
              provider: 'heartbeat',
              type: 'Dummy',
              ops: l.ops.map((o, k) => def({ id: `op-${k}`, ...o })),
            })),
          },
        });
      }
      if (s.extra) Object.assign(st, { extra: { children: [s.extra] } });
      return st;
    });
    if (g.tickets) {
      cib.status.tickets = g.tickets.map((t) =>
        def({ id: ids.next('ticket'), granted: t.granted, standby: t.standby }),
      );
    }
    return cib;
  });

describe('model round trip (property)', () => {
  it('read(write(model)) deep-equals the model for generated CIBs', () => {
    fc.assert(
      fc.property(cibArb, fc.boolean(), (cib, compact) => {
        const written = writeCib(cib, compact ? { indent: '' } : {});
        const { cib: back } = readCib(written);
        assert.deepStrictEqual(back, cib);
      }),
      { numRuns: 300 },
    );
  });
});
