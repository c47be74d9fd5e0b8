/**
 * A fast path for the bulk of a large CIB: the `<status>` section's node states and operation
 * history, read from the text straight into the model, without building an element tree first.
 *
 * It accepts only the common shape: `node_state` → `lrm` → `lrm_resources` → `lrm_resource` →
 * `lrm_rsc_op`, attributes without entity or character references, tabs or line breaks, every
 * integer field a plain integer, every required attribute present. On anything else (comments,
 * text, `transient_attributes`, tickets, a legacy attribute spelling, a malformed tag…) it gives
 * up and returns undefined, and the general parser and reader read the section instead, with
 * their error messages. So what it returns is exactly what the general path would build.
 */
import type { FieldSpec } from './specs.js';
import * as S from './specs.js';
import type { Lrm, LrmResource, LrmRscOp, NodeState } from './types.js';

/** Attribute table of one element kind. */
interface Table {
  readonly specs: readonly FieldSpec[];
  /** Attribute name → index into specs; legacy spellings map to -1 (not handled here). */
  readonly byName: Map<string, number>;
  /** Index of the attribute that followed each one last time (-1: none yet): real CIBs repeat one order. */
  readonly next: Int32Array;
  /** The last string value of each attribute: an equal value reuses it (no new string). */
  readonly last: string[];
  /** The quote character each of `last` was read with (0: none yet). */
  readonly lastQuote: Int32Array;
  first: number;
  /** Per spec index, copied out of the specs (objects of several shapes, slow to read in the loop). */
  readonly names: readonly string[];
  readonly isInt: Uint8Array;
  /** Bit k set: spec k is required. */
  readonly requiredMask: number;
}

function table(specs: readonly FieldSpec[]): Table {
  const byName = new Map<string, number>();
  specs.forEach((s, i) => byName.set(s.xml, i));
  for (const s of specs) for (const a of s.aliases ?? []) byName.set(a, -1);
  return {
    specs,
    byName,
    next: new Int32Array(specs.length).fill(-1),
    last: specs.map(() => ''),
    lastQuote: new Int32Array(specs.length),
    first: -1,
    names: specs.map((x) => x.xml),
    isInt: Uint8Array.from(specs, (x) => (x.int === true ? 1 : 0)),
    requiredMask: specs.reduce((m, x, k) => (x.required === true ? m | (1 << k) : m), 0),
  };
}

const NODE_STATE = table(S.NODE_STATE_FIELDS);
const LRM = table(S.LRM_FIELDS);
const LRM_RESOURCE = table(S.LRM_RESOURCE_FIELDS);
const LRM_RSC_OP = table(S.LRM_RSC_OP_FIELDS);
const TABLES = [NODE_STATE, LRM, LRM_RESOURCE, LRM_RSC_OP];
// Attribute sets are bit masks of spec indexes (see startTag).
for (const t of TABLES)
  if (t.specs.length > 31) throw new Error('status-scan: an attribute table outgrew its bit mask');
/** The largest table's size: the scratch array of values. */
const MAX_FIELDS = Math.max(
  ...[NODE_STATE, LRM, LRM_RESOURCE, LRM_RSC_OP].map((t) => t.specs.length),
);
const NAME_RE = /^[A-Za-z_:][-A-Za-z0-9_:.]*$/;

/** Thrown inside the scanner to give up (one shared instance); never escapes it. */
const GIVE_UP = new Error('status fast path: not the common shape');

type Bag = Record<string, unknown>;

class Scanner {
  private i: number;
  /** Set by startTag: the tag ended with '/>'. */
  private selfClosing = false;

  /** No '&', tab or CR anywhere after the start: attribute values need only '<' and LF checks. */
  private readonly clean: boolean;
  /** Offsets of the next '<' and LF at or after some earlier point (-1 / Infinity: none). */
  private nextLt = -1;
  private nextLf = -1;

  constructor(
    private readonly s: string,
    from: number,
    private readonly maxAttributes: number,
  ) {
    this.i = from;
    // Values remembered from an earlier document would keep its text alive: start afresh.
    for (const t of TABLES) {
      t.last.fill('');
      t.lastQuote.fill(0);
    }
    this.clean = s.indexOf('&', from) < 0 && s.indexOf('\t', from) < 0 && s.indexOf('\r', from) < 0;
  }

  /**
   * The end of the attribute value starting at `vs` (its closing quote), or GIVE_UP when the
   * value holds a '<', a line break (or, unless clean, '&' or a tab) or is not closed. The
   * searches for '<' and LF run ahead once per tag, not once per value.
   */
  private valueEnd(vs: number, q: number): number {
    const s = this.s;
    if (!this.clean) {
      let i = vs;
      for (;;) {
        const d = s.charCodeAt(i);
        if (d === q) return i;
        if (d === 0x26 || d === 0x3c || d === 0x0a || d === 0x09 || d === 0x0d || d !== d)
          throw GIVE_UP;
        i++;
      }
    }
    const ve = s.indexOf(q === 0x22 ? '"' : "'", vs);
    if (ve < 0) throw GIVE_UP;
    if (this.nextLt < vs) {
      this.nextLt = s.indexOf('<', vs);
      if (this.nextLt < 0) this.nextLt = Infinity;
    }
    if (this.nextLt < ve) throw GIVE_UP;
    if (this.nextLf < vs) {
      this.nextLf = s.indexOf('\n', vs);
      if (this.nextLf < 0) this.nextLf = Infinity;
    }
    if (this.nextLf < ve) throw GIVE_UP;
    return ve;
  }

  /** Whether the tag startTag just read ended with '/>' (a method: calls change it). */
  private closed(): boolean {
    return this.selfClosing;
  }

  get pos(): number {
    return this.i;
  }

  private skipSpace(): void {
    const s = this.s;
    let i = this.i;
    let c = s.charCodeAt(i);
    while (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) c = s.charCodeAt(++i);
    this.i = i;
  }

  /** At '<' of a tag: true for an end tag `</name>` (consumed), false for a start tag. */
  private atEndTag(name: string): boolean {
    this.skipSpace();
    const s = this.s;
    if (s.charCodeAt(this.i) !== 0x3c) throw GIVE_UP;
    if (s.charCodeAt(this.i + 1) !== 0x2f) return false;
    const j = this.i + 2;
    if (s.charCodeAt(j + name.length) !== 0x3e || s.slice(j, j + name.length) !== name)
      throw GIVE_UP;
    this.i = j + name.length + 1;
    return true;
  }

  /** At '<' of a start tag: true if it is `<name` followed by a space, '>' or '/'. */
  private atStart(name: string): boolean {
    const s = this.s;
    if (s.slice(this.i + 1, this.i + 1 + name.length) !== name) return false;
    const c = s.charCodeAt(this.i + 1 + name.length);
    return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d || c === 0x3e || c === 0x2f;
  }

  /** The operations of the resource being read (see lrmResource). */
  private readonly opsScratch: LrmRscOp[] = [];

  /** Bit k set: the tag just read has the attribute of spec index k (indexes below 31 only). */
  private mask = 0;

  /** Values of the tag just read, by spec index (undefined: absent). */
  private readonly v: (string | number | undefined)[] = new Array<undefined>(MAX_FIELDS).fill(
    undefined,
  );

  /**
   * Reads the attributes of the start tag `<name …>` at '<' into `this.v` by `t`; returns the
   * attributes the table does not name. Sets selfClosing.
   */
  private startTag(name: string, t: Table): Record<string, string> | undefined {
    const s = this.s;
    const v = this.v;
    for (let k = 0; k < t.names.length; k++) v[k] = undefined;
    let i = this.i + 1 + name.length;
    let rest: Record<string, string> | undefined;
    let count = 0;
    let prev = -1;
    let mask = 0;
    for (;;) {
      let c = s.charCodeAt(i);
      const before = i;
      while (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) c = s.charCodeAt(++i);
      if (c === 0x3e) {
        this.i = i + 1;
        this.selfClosing = false;
        break;
      }
      if (c === 0x2f) {
        if (s.charCodeAt(i + 1) !== 0x3e) throw GIVE_UP;
        this.i = i + 2;
        this.selfClosing = true;
        break;
      }
      if (i === before) throw GIVE_UP; // attributes must be separated by whitespace
      const ns = i;
      // The attribute that usually comes next, when it is that name followed by '='; otherwise
      // look the name up (and check it).
      let idx = prev < 0 ? t.first : t.next[prev]!;
      const guess = idx >= 0 ? t.names[idx]! : undefined;
      let an: string | undefined;
      let eq: number;
      if (
        guess !== undefined &&
        s.charCodeAt(ns + guess.length) === 0x3d &&
        s.slice(ns, ns + guess.length) === guess
      )
        eq = ns + guess.length;
      else {
        eq = s.indexOf('=', ns);
        if (eq < 0) throw GIVE_UP;
        an = s.slice(ns, eq);
        if (!NAME_RE.test(an)) throw GIVE_UP; // no spaces around '=' on this path either
        idx = t.byName.get(an) ?? -2;
        if (idx === -1) throw GIVE_UP; // a legacy spelling: the general reader decides
        if (idx >= 0) {
          if (prev < 0) t.first = idx;
          else t.next[prev] = idx;
        }
      }
      i = eq + 1;
      const q = s.charCodeAt(i);
      if (q !== 0x22 && q !== 0x27) throw GIVE_UP;
      const vs = ++i;
      // A string value equal to this attribute's previous one, read with the same quote (so
      // the quote does not occur in it, nor anything else valueEnd rejects): the same string
      // object, and its end known without searching.
      let same: string | undefined;
      if (idx >= 0 && t.lastQuote[idx] === q) {
        const prevValue = t.last[idx]!;
        if (
          s.charCodeAt(vs + prevValue.length) === q &&
          s.slice(vs, vs + prevValue.length) === prevValue
        )
          same = prevValue;
      }
      const ve = same !== undefined ? vs + same.length : this.valueEnd(vs, q);
      i = ve + 1;
      if (++count > this.maxAttributes) throw GIVE_UP;
      if (idx === -2) {
        const key = an!;
        if (key === '__proto__') throw GIVE_UP;
        rest ??= {};
        if (Object.hasOwn(rest, key)) throw GIVE_UP;
        rest[key] = s.slice(vs, ve);
        continue;
      }
      if (v[idx] !== undefined) throw GIVE_UP; // duplicate attribute
      mask |= 1 << idx;
      if (t.isInt[idx] === 1) v[idx] = this.int(vs, ve);
      else if (same !== undefined) {
        // Most values repeat the previous element's (digests, feature sets, node names…): the
        // same string object then, which spares the allocation and the garbage collector.
        v[idx] = same;
      } else {
        v[idx] = t.last[idx] = s.slice(vs, ve);
        t.lastQuote[idx] = q;
      }
      prev = idx;
    }
    if ((mask & t.requiredMask) !== t.requiredMask) throw GIVE_UP;
    this.mask = mask;
    return rest;
  }

  /** Copies the values read into `target` (for the small element kinds). */
  private assign(t: Table, target: Bag): void {
    const v = this.v;
    for (let k = 0; k < t.specs.length; k++) if (v[k] !== undefined) target[t.specs[k]!.key] = v[k];
  }

  /** A plain optionally signed decimal integer (surrounding spaces allowed), as the reader accepts. */
  private int(from: number, to: number): number {
    const s = this.s;
    let i = from;
    while (i < to && s.charCodeAt(i) === 0x20) i++;
    let e = to;
    while (e > i && s.charCodeAt(e - 1) === 0x20) e--;
    let neg = false;
    if (i < e && s.charCodeAt(i) === 0x2d) {
      neg = true;
      i++;
    }
    if (i === e) throw GIVE_UP;
    if (e - i > 15) {
      for (let k = i; k < e; k++) {
        const c = s.charCodeAt(k);
        if (c < 0x30 || c > 0x39) throw GIVE_UP;
      }
      return Number(s.slice(from, to));
    }
    let n = 0;
    for (let k = i; k < e; k++) {
      const c = s.charCodeAt(k) - 0x30;
      if (c < 0 || c > 9) throw GIVE_UP;
      n = n * 10 + c;
    }
    return neg ? -n : n;
  }

  /** Content of `<status>` after its start tag, through `</status>`. */
  status(): NodeState[] {
    const out: NodeState[] = [];
    while (!this.atEndTag('status')) {
      if (!this.atStart('node_state')) throw GIVE_UP;
      out.push(this.nodeState());
    }
    return out;
  }

  private nodeState(): NodeState {
    const n: NodeState = {};
    const rest = this.startTag('node_state', NODE_STATE);
    this.assign(NODE_STATE, n as Bag);
    if (!this.closed()) {
      while (!this.atEndTag('node_state')) {
        if (this.atStart('lrm') && n.lrm === undefined) n.lrm = this.lrm();
        else throw GIVE_UP;
      }
    }
    if (rest !== undefined) n.extra = { attrs: rest };
    return n;
  }

  private lrm(): Lrm {
    const l: Lrm = { resources: [] };
    const rest = this.startTag('lrm', LRM);
    this.assign(LRM, l as unknown as Bag);
    if (!this.closed()) {
      let seenResources = false;
      while (!this.atEndTag('lrm')) {
        if (!this.atStart('lrm_resources') || seenResources) throw GIVE_UP;
        seenResources = true;
        const other = this.startTag('lrm_resources', LRM);
        if (other !== undefined) throw GIVE_UP;
        if (this.v[0] !== undefined) l.resourcesId = this.v[0] as string;
        if (this.closed()) continue;
        while (!this.atEndTag('lrm_resources')) {
          if (!this.atStart('lrm_resource')) throw GIVE_UP;
          l.resources.push(this.lrmResource());
        }
      }
    }
    if (rest !== undefined) l.extra = { attrs: rest };
    return l;
  }

  private lrmResource(): LrmResource {
    const rest = this.startTag('lrm_resource', LRM_RESOURCE);
    const v = this.v;
    // Field by field (not through the table) so every object gets the same shape, fast; the
    // common shape in one literal, so its fields live in the object (no second, grown store).
    let r: LrmResource;
    if (this.mask === RESOURCE_COMMON)
      r = {
        ops: [],
        id: v[0] as string,
        class: v[1] as string,
        provider: v[2] as string,
        type: v[3] as string,
      };
    else {
      r = { ops: [], id: v[0] as string };
      if (v[1] !== undefined) r.class = v[1] as string;
      if (v[2] !== undefined) r.provider = v[2] as string;
      if (v[3] !== undefined) r.type = v[3] as string;
      if (v[4] !== undefined) r.container = v[4] as string;
      if (v[5] !== undefined) r.shutdownLock = v[5] as number;
    }
    if (!this.closed()) {
      // Gathered in a scratch list, then copied at their exact count: an array grown by push
      // keeps room for 17, and most resources have one or two operations.
      const ops = this.opsScratch;
      let n = 0;
      while (!this.atEndTag('lrm_resource')) {
        if (!this.atStart('lrm_rsc_op')) throw GIVE_UP;
        const orest = this.startTag('lrm_rsc_op', LRM_RSC_OP);
        const o = this.op();
        if (!this.closed() && !this.atEndTag('lrm_rsc_op')) throw GIVE_UP;
        if (orest !== undefined) o.extra = { attrs: orest };
        ops[n++] = o;
      }
      if (n > 0) r.ops = ops.slice(0, n);
    }
    if (rest !== undefined) r.extra = { attrs: rest };
    return r;
  }

  /** The `lrm_rsc_op` just read, field by field in LRM_RSC_OP_FIELDS order. */
  private op(): LrmRscOp {
    const v = this.v;
    // What Pacemaker records for a completed operation, in one literal (same fields, same order
    // as the general case below builds them).
    if (this.mask === OP_COMMON)
      return {
        id: v[0] as string,
        operation: v[2] as string,
        callId: v[7] as number,
        rcCode: v[8] as number,
        opStatus: v[9] as number,
        interval: v[10] as number,
        operationKey: v[1] as string,
        crmDebugOrigin: v[3] as string,
        crmFeatureSet: v[4] as string,
        transitionKey: v[5] as string,
        transitionMagic: v[6] as string,
        lastRcChange: v[12] as number,
        execTime: v[13] as number,
        queueTime: v[14] as number,
        opDigest: v[15] as string,
        exitReason: v[20] as string,
        onNode: v[21] as string,
      };
    const o: LrmRscOp = {
      id: v[0] as string,
      operation: v[2] as string,
      callId: v[7] as number,
      rcCode: v[8] as number,
      opStatus: v[9] as number,
      interval: v[10] as number,
    };
    if (v[1] !== undefined) o.operationKey = v[1] as string;
    if (v[3] !== undefined) o.crmDebugOrigin = v[3] as string;
    if (v[4] !== undefined) o.crmFeatureSet = v[4] as string;
    if (v[5] !== undefined) o.transitionKey = v[5] as string;
    if (v[6] !== undefined) o.transitionMagic = v[6] as string;
    if (v[11] !== undefined) o.lastRun = v[11] as number;
    if (v[12] !== undefined) o.lastRcChange = v[12] as number;
    if (v[13] !== undefined) o.execTime = v[13] as number;
    if (v[14] !== undefined) o.queueTime = v[14] as number;
    if (v[15] !== undefined) o.opDigest = v[15] as string;
    if (v[16] !== undefined) o.opForceRestart = v[16] as string;
    if (v[17] !== undefined) o.opRestartDigest = v[17] as string;
    if (v[18] !== undefined) o.opSecureParams = v[18] as string;
    if (v[19] !== undefined) o.opSecureDigest = v[19] as string;
    if (v[20] !== undefined) o.exitReason = v[20] as string;
    if (v[21] !== undefined) o.onNode = v[21] as string;
    if (v[22] !== undefined) o.migrateSource = v[22] as string;
    if (v[23] !== undefined) o.migrateTarget = v[23] as string;
    return o;
  }
}

/** Attribute set (by spec index) of a resource entry as Pacemaker writes it: id, class, provider, type. */
const RESOURCE_COMMON = 0b1111;
/**
 * Attribute set of a completed operation as Pacemaker writes it: every field up to interval,
 * then last-rc-change, exec-time, queue-time, op-digest, exit-reason and on_node.
 */
const OP_COMMON = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 20, 21].reduce(
  (m, k) => m | (1 << k),
  0,
);

/** The hand-written builders above follow these tables; a table change must update them. */
function checkLayout(t: Table, keys: readonly string[]): void {
  const got = t.specs.map((x) => x.key).join(',');
  if (got !== keys.join(','))
    throw new Error(`status-scan: attribute table changed (${got}); update the builders`);
}
checkLayout(LRM_RESOURCE, ['id', 'class', 'provider', 'type', 'container', 'shutdownLock']);
checkLayout(LRM_RSC_OP, [
  'id',
  'operationKey',
  'operation',
  'crmDebugOrigin',
  'crmFeatureSet',
  'transitionKey',
  'transitionMagic',
  'callId',
  'rcCode',
  'opStatus',
  'interval',
  'lastRun',
  'lastRcChange',
  'execTime',
  'queueTime',
  'opDigest',
  'opForceRestart',
  'opRestartDigest',
  'opSecureParams',
  'opSecureDigest',
  'exitReason',
  'onNode',
  'migrateSource',
  'migrateTarget',
]);

/**
 * Reads the content of a `<status>` element, from just after its start tag through its end tag.
 * Returns the node states and the offset after `</status>`, or undefined when the section needs
 * the general parser.
 */
export function scanStatus(
  text: string,
  from: number,
  maxAttributesPerElement: number,
): { nodeStates: NodeState[]; end: number } | undefined {
  const sc = new Scanner(text, from, maxAttributesPerElement);
  try {
    const nodeStates = sc.status();
    return { nodeStates, end: sc.pos };
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}
