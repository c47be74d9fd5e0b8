/**
 * A small, strict, non-validating XML 1.0 parser.
 *
 * Supports: the XML declaration, elements, attributes in either quote style, the five predefined
 * entities and character references, comments, CDATA sections, processing instructions, a DOCTYPE
 * without an internal subset (skipped), self-closing tags. Attribute values are normalised as
 * XML 1.0 requires (literal tab, CR and LF become spaces; character references are kept).
 * Whitespace-only text between elements is dropped; other text is kept.
 *
 * Every error is a VigilError VGL_E_PARSE whose message starts with `line L:C:` and whose
 * details carry `line` and `col` (1-based).
 */
import { VigilError } from '@vigil/base';
import {
  DEFAULT_XML_LIMITS,
  type XmlComment,
  type XmlDocument,
  type XmlElement,
  type XmlLimits,
  type XmlProcessingInstruction,
} from './types.js';

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const AMP = 0x26;
/** Bound on the attribute-name cache (names beyond it are simply not shared). */
const MAX_INTERNED_NAMES = 4096;
const BANG = 0x21;
const QMARK = 0x3f;
const EQ = 0x3d;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

function isNameStart(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || c >= 0x80
  );
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** 1-based line and column of a UTF-16 offset in `text`. */
export function lineColOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  let k = text.indexOf('\n');
  while (k !== -1 && k < offset) {
    line++;
    lineStart = k + 1;
    k = text.indexOf('\n', lineStart);
  }
  return { line, col: offset - lineStart + 1 };
}

/**
 * Reads the content of one child element of the root in its own way (a fast path for a large
 * section). `read` gets the text and the offset just after that element's start tag; it returns
 * the offset just after its end tag, or -1 to let the parser read the content as usual. The
 * element is then left without children in the tree: the reader keeps what it read.
 */
export interface SubtreeReader {
  /** Name of the root's child element it reads. */
  readonly name: string;
  read(text: string, from: number, el: XmlElement): number;
}

export interface ParseOptions {
  readonly subtree?: SubtreeReader;
}

class Parser {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private nextNl: number;
  private readonly n: number;

  constructor(
    private readonly s: string,
    private readonly limits: XmlLimits,
    private readonly options: ParseOptions = {},
  ) {
    this.n = s.length;
    this.nextNl = this.findNl(0);
  }

  private findNl(from: number): number {
    const k = this.s.indexOf('\n', from);
    return k === -1 ? Infinity : k;
  }

  /** Moves to `j`, keeping the line count current. Each newline is visited once. */
  private moveTo(j: number): void {
    while (this.nextNl < j) {
      this.line++;
      this.lineStart = this.nextNl + 1;
      this.nextNl = this.findNl(this.lineStart);
    }
    this.i = j;
  }

  fail(message: string, at: number = this.i): never {
    const { line, col } = lineColOf(this.s, Math.min(at, this.n));
    throw new VigilError('VGL_E_PARSE', `XML line ${line}:${col}: ${message}`, { line, col });
  }

  private code(at: number): number {
    return this.s.charCodeAt(at);
  }

  private skipSpace(): void {
    let j = this.i;
    while (j < this.n && isSpace(this.code(j))) j++;
    this.moveTo(j);
  }

  private startsWith(lit: string): boolean {
    return this.s.startsWith(lit, this.i);
  }

  private readName(what: string): string {
    const start = this.i;
    if (start >= this.n || !isNameStart(this.code(start))) {
      this.fail(
        start >= this.n
          ? `unexpected end of input, expected ${what}`
          : `expected ${what}, found ${JSON.stringify(this.s[start])}`,
      );
    }
    let j = start + 1;
    while (j < this.n && isNameChar(this.code(j))) j++;
    this.i = j; // names never contain newlines
    return this.s.slice(start, j);
  }

  /** Decodes entity and character references in `raw`, which starts at offset `base`. */
  private decode(raw: string, base: number, attribute: boolean): string {
    if (raw.indexOf('&') === -1) {
      return attribute ? raw.replace(/[\t\n\r]/g, ' ') : raw;
    }
    let out = '';
    let last = 0;
    let k = raw.indexOf('&');
    while (k !== -1) {
      let chunk = raw.slice(last, k);
      if (attribute) chunk = chunk.replace(/[\t\n\r]/g, ' ');
      out += chunk;
      const semi = raw.indexOf(';', k + 1);
      if (semi === -1 || semi - k > 12)
        this.fail("'&' must start an entity such as &amp;", base + k);
      const name = raw.slice(k + 1, semi);
      if (name.startsWith('#')) {
        const hex = name.startsWith('#x');
        const digits = name.slice(hex ? 2 : 1);
        const ok = hex ? /^[0-9a-fA-F]+$/.test(digits) : /^[0-9]+$/.test(digits);
        const cp = ok ? Number.parseInt(digits, hex ? 16 : 10) : NaN;
        if (
          !ok ||
          cp === 0 ||
          cp > 0x10ffff ||
          (cp >= 0xd800 && cp <= 0xdfff) ||
          (cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d)
        ) {
          this.fail(`invalid character reference &${name};`, base + k);
        }
        out += String.fromCodePoint(cp);
      } else {
        const v = PREDEFINED[name];
        if (v === undefined) this.fail(`unknown entity &${name};`, base + k);
        out += v;
      }
      last = semi + 1;
      k = raw.indexOf('&', last);
    }
    let tail = raw.slice(last);
    if (attribute) tail = tail.replace(/[\t\n\r]/g, ' ');
    return out + tail;
  }

  private parseComment(): XmlComment {
    const start = this.i;
    const end = this.s.indexOf('-->', start + 4);
    if (end === -1) this.fail('comment is not closed (missing -->)', start);
    const value = this.s.slice(start + 4, end);
    const dd = value.indexOf('--');
    if (dd !== -1) this.fail("'--' is not allowed inside a comment", start + 4 + dd);
    this.moveTo(end + 3);
    return { type: 'comment', value };
  }

  private parsePI(): XmlProcessingInstruction {
    const start = this.i;
    this.i += 2;
    const target = this.readName('a processing-instruction target');
    if (target.toLowerCase() === 'xml') {
      this.fail('the XML declaration is only allowed at the very start of the document', start);
    }
    const end = this.s.indexOf('?>', this.i);
    if (end === -1) this.fail('processing instruction is not closed (missing ?>)', start);
    if (end > this.i && !isSpace(this.code(this.i))) {
      this.fail('expected whitespace after the processing-instruction target');
    }
    const data = this.s.slice(this.i, end).replace(/^[ \t\r\n]+/, '');
    this.moveTo(end + 2);
    return { type: 'pi', target, data };
  }

  private parseDeclaration(): Record<string, string> {
    this.i += 5; // after '<?xml'
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = this.i;
      this.skipSpace();
      if (this.startsWith('?>')) {
        this.moveTo(this.i + 2);
        break;
      }
      if (this.i === before) this.fail('expected whitespace or ?> in the XML declaration');
      const name = this.readName('a declaration attribute');
      this.skipSpace();
      if (this.code(this.i) !== EQ) this.fail(`expected '=' after ${name}`);
      this.i++;
      this.skipSpace();
      attrs[name] = this.readQuoted(name);
    }
    if (attrs['version'] === undefined) this.fail('the XML declaration lacks version', 0);
    return attrs;
  }

  private readQuoted(attrName: string): string {
    const q = this.code(this.i);
    if (q !== 0x22 && q !== 0x27) {
      this.fail(`the value of attribute '${attrName}' must be quoted with " or '`);
    }
    const start = this.i + 1;
    const end = this.s.indexOf(q === 0x22 ? '"' : "'", start);
    if (end === -1) this.fail(`the value of attribute '${attrName}' is not closed`, this.i);
    const raw = this.s.slice(start, end);
    const lt = raw.indexOf('<');
    if (lt !== -1)
      this.fail(`'<' is not allowed in the value of attribute '${attrName}'`, start + lt);
    const value = this.decode(raw, start, true);
    this.moveTo(end + 1);
    return value;
  }

  private skipDoctype(): void {
    const start = this.i;
    const gt = this.s.indexOf('>', start);
    const bracket = this.s.indexOf('[', start);
    if (bracket !== -1 && (gt === -1 || bracket < gt)) {
      this.fail('a DOCTYPE with an internal subset is not supported', start);
    }
    if (gt === -1) this.fail('DOCTYPE is not closed', start);
    this.moveTo(gt + 1);
  }

  /** Comments, PIs and whitespace around the root element. */
  private parseMisc(out: (XmlComment | XmlProcessingInstruction)[], allowDoctype: boolean): void {
    for (;;) {
      this.skipSpace();
      if (this.startsWith('<!--')) out.push(this.parseComment());
      else if (this.startsWith('<?')) out.push(this.parsePI());
      else if (allowDoctype && this.startsWith('<!DOCTYPE')) this.skipDoctype();
      else return;
    }
  }

  /** Attribute names seen so far, so each distinct name is one shared string. */
  private readonly names = new Map<string, string>();
  /** Set by parseStartTag: whether the tag just read ended with '/>'. */
  private selfClosing = false;

  private wasSelfClosing(): boolean {
    return this.selfClosing;
  }

  /**
   * Reads a start tag at `this.i` (on '<'). The hot path of the parser: it scans with a local
   * index and updates the line count once at the end.
   */
  private parseStartTag(): XmlElement {
    const s = this.s;
    const line = this.line;
    const col = this.i - this.lineStart + 1;
    this.i++; // '<'
    const name = this.readName('an element name');
    let i = this.i;
    const attrs: Record<string, string> = {};
    const el: XmlElement = { type: 'element', name, attrs, children: [], line, col };
    let count = 0;
    for (;;) {
      let c = s.charCodeAt(i);
      const before = i;
      while (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) c = s.charCodeAt(++i);
      if (c === GT) {
        this.moveTo(i + 1);
        this.selfClosing = false;
        return el;
      }
      if (c === SLASH) {
        if (s.charCodeAt(i + 1) !== GT) this.fail(`expected '/>' to close <${name}>`, i);
        this.moveTo(i + 2);
        this.selfClosing = true;
        return el;
      }
      if (i >= this.n) this.fail(`unexpected end of input inside the start tag <${name}>`, i);
      if (i === before) this.fail(`expected whitespace, '>' or '/>' in the start tag <${name}>`, i);
      const attrAt = i;
      if (!isNameStart(c)) {
        this.fail(
          `expected an attribute name or '>' in <${name}>, found ${JSON.stringify(s[i])}`,
          i,
        );
      }
      c = s.charCodeAt(++i);
      while (i < this.n && isNameChar(c)) c = s.charCodeAt(++i);
      const sliced = s.slice(attrAt, i);
      let an = this.names.get(sliced);
      if (an === undefined) {
        an = sliced;
        if (this.names.size < MAX_INTERNED_NAMES) this.names.set(sliced, sliced);
      }
      while (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) c = s.charCodeAt(++i);
      if (c !== EQ) this.fail(`expected '=' after attribute '${an}' in <${name}>`, i);
      c = s.charCodeAt(++i);
      while (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) c = s.charCodeAt(++i);
      if (c !== 0x22 && c !== 0x27) {
        this.fail(`the value of attribute '${an}' must be quoted with " or '`, i);
      }
      const q = c;
      const vs = i + 1;
      let special = false;
      let j = vs;
      for (;;) {
        const d = s.charCodeAt(j);
        if (d === q) break;
        if (d !== d) this.fail(`the value of attribute '${an}' is not closed`, i); // NaN: end of input
        if (d === LT) this.fail(`'<' is not allowed in the value of attribute '${an}'`, j);
        if (d === AMP || d === 0x0a || d === 0x09 || d === 0x0d) special = true;
        j++;
      }
      const raw = s.slice(vs, j);
      const value = special ? this.decode(raw, vs, true) : raw;
      i = j + 1;
      if (an === '__proto__') this.fail(`attribute name '__proto__' is not supported`, attrAt);
      if (Object.hasOwn(attrs, an)) this.fail(`duplicate attribute '${an}' in <${name}>`, attrAt);
      if (++count > this.limits.maxAttributesPerElement) {
        this.fail(
          `more than ${this.limits.maxAttributesPerElement} attributes in <${name}>`,
          attrAt,
        );
      }
      attrs[an] = value;
    }
  }

  parseDocument(): XmlDocument {
    if (this.n > this.limits.maxInputChars) {
      throw new VigilError(
        'VGL_E_PARSE',
        `XML input is ${this.n} characters, more than the limit of ${this.limits.maxInputChars}`,
        { chars: this.n, limit: this.limits.maxInputChars },
      );
    }
    if (this.code(0) === 0xfeff) this.i = 1;
    const doc: { declaration?: Record<string, string> } = {};
    if (this.s.startsWith('<?xml', this.i) && isSpace(this.code(this.i + 5))) {
      doc.declaration = this.parseDeclaration();
    }
    const prolog: (XmlComment | XmlProcessingInstruction)[] = [];
    this.parseMisc(prolog, true);
    if (this.i >= this.n) this.fail('no root element');
    if (this.code(this.i) !== LT) this.fail('text is not allowed before the root element');
    const root = this.parseElementTree();
    const epilog: (XmlComment | XmlProcessingInstruction)[] = [];
    this.parseMisc(epilog, false);
    if (this.i < this.n) {
      this.fail(
        this.code(this.i) === LT
          ? 'only one root element is allowed'
          : 'text is not allowed after the root element',
      );
    }
    return { ...doc, prolog, root, epilog };
  }

  private parseElementTree(): XmlElement {
    const first = this.parseStartTag();
    if (this.wasSelfClosing()) return first;
    const stack: XmlElement[] = [first];
    for (;;) {
      const top = stack[stack.length - 1]!;
      if (this.i >= this.n) {
        this.fail(
          `unexpected end of input: <${top.name}> opened at line ${top.line}:${top.col} is not closed`,
        );
      }
      const c = this.code(this.i);
      if (c !== LT) {
        const start = this.i;
        let end = start;
        let blank = true;
        for (; end < this.n; end++) {
          const d = this.s.charCodeAt(end);
          if (d === LT) break;
          if (blank && d !== 0x20 && d !== 0x0a && d !== 0x09 && d !== 0x0d) blank = false;
        }
        if (!blank) {
          const raw = this.s.slice(start, end);
          const bad = raw.indexOf(']]>');
          if (bad !== -1) this.fail("']]>' is not allowed in text", start + bad);
          top.children.push({ type: 'text', value: this.decode(raw, start, false) });
        }
        this.moveTo(end);
        continue;
      }
      const c1 = this.code(this.i + 1);
      if (c1 === SLASH) {
        const at = this.i;
        this.i += 2;
        const name = this.readName('an element name in the end tag');
        this.skipSpace();
        if (this.code(this.i) !== GT) this.fail(`expected '>' to end </${name}>`);
        this.i++;
        if (name !== top.name) {
          this.fail(
            `end tag </${name}> does not match <${top.name}> opened at line ${top.line}:${top.col}`,
            at,
          );
        }
        stack.pop();
        if (stack.length === 0) return top;
      } else if (c1 === BANG) {
        if (this.startsWith('<!--')) top.children.push(this.parseComment());
        else if (this.startsWith('<![CDATA[')) {
          const start = this.i;
          const end = this.s.indexOf(']]>', start + 9);
          if (end === -1) this.fail('CDATA section is not closed (missing ]]>)', start);
          top.children.push({ type: 'cdata', value: this.s.slice(start + 9, end) });
          this.moveTo(end + 3);
        } else this.fail("expected '<!--' or '<![CDATA[' after '<!'");
      } else if (c1 === QMARK) {
        top.children.push(this.parsePI());
      } else {
        if (stack.length >= this.limits.maxDepth) {
          this.fail(`elements are nested deeper than the limit of ${this.limits.maxDepth}`);
        }
        const el = this.parseStartTag();
        top.children.push(el);
        if (this.wasSelfClosing()) continue;
        const sub = this.options.subtree;
        if (sub !== undefined && stack.length === 1 && el.name === sub.name) {
          const end = sub.read(this.s, this.i, el);
          if (end >= 0) {
            this.moveTo(end);
            continue;
          }
        }
        stack.push(el);
      }
    }
  }
}

/** Parses a whole XML document. Throws VigilError VGL_E_PARSE with line:col on malformed input. */
export function parseXml(
  text: string,
  limits: XmlLimits = DEFAULT_XML_LIMITS,
  options: ParseOptions = {},
): XmlDocument {
  return new Parser(text, limits, options).parseDocument();
}
