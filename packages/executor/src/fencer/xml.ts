import { VigilError } from '@vigil/base';

/**
 * A small, strict XML reader for agent meta-data: elements, attributes, text, CDATA and the
 * five predefined entities plus character references. Comments, processing instructions and a
 * DOCTYPE are skipped. Anything malformed raises VGL_E_PARSE naming the line.
 */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Concatenated text directly inside this element, entities decoded. */
  readonly text: string;
}

export const MAX_XML_BYTES = 1024 * 1024;
const MAX_DEPTH = 64;

interface Building {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;

export function parseXml(src: string, what: string): XmlElement {
  if (src.length > MAX_XML_BYTES) {
    throw new VigilError('VGL_E_LIMIT', `${what}: XML larger than ${MAX_XML_BYTES} bytes`);
  }
  let i = 0;
  const stack: Building[] = [];
  let root: XmlElement | undefined;

  const fail = (msg: string): never => {
    const line = src.slice(0, i).split('\n').length;
    throw new VigilError('VGL_E_PARSE', `${what}: line ${line}: ${msg}`, { line });
  };
  const skipTo = (end: string): void => {
    const j = src.indexOf(end, i);
    if (j < 0) fail(`unterminated construct, expected '${end}'`);
    i = j + end.length;
  };
  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) return fail('expected a name');
    i += m[0].length;
    return m[0];
  };
  const skipWs = (): void => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };

  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const textEnd = lt < 0 ? src.length : lt;
    if (textEnd > i) {
      const text = src.slice(i, textEnd);
      const top = stack.at(-1);
      if (top) top.text += decodeEntities(text, fail);
      else if (text.trim() !== '') fail('text outside the root element');
      i = textEnd;
      continue;
    }
    if (src.startsWith('<!--', i)) {
      i += 4;
      skipTo('-->');
    } else if (src.startsWith('<![CDATA[', i)) {
      i += 9;
      const j = src.indexOf(']]>', i);
      if (j < 0) fail('unterminated CDATA');
      const top = stack.at(-1);
      if (!top) fail('CDATA outside the root element');
      top!.text += src.slice(i, j);
      i = j + 3;
    } else if (src.startsWith('<?', i)) {
      i += 2;
      skipTo('?>');
    } else if (src.startsWith('<!DOCTYPE', i)) {
      const bracket = src.indexOf('[', i);
      const close = src.indexOf('>', i);
      if (bracket >= 0 && bracket < close) {
        i = bracket;
        skipTo(']');
        skipTo('>');
      } else {
        skipTo('>');
      }
    } else if (src.startsWith('</', i)) {
      i += 2;
      const name = readName();
      skipWs();
      if (src[i] !== '>') fail(`expected '>' after </${name}`);
      i++;
      const top = stack.pop();
      if (!top) return fail(`closing tag </${name}> without an opening tag`);
      if (top.name !== name) fail(`</${name}> closes <${top.name}>`);
      const done: XmlElement = top;
      const parent = stack.at(-1);
      if (parent) parent.children.push(done);
      else root = done;
    } else {
      i++;
      if (root) fail('content after the root element');
      const name = readName();
      const attrs: Record<string, string> = {};
      for (;;) {
        skipWs();
        if (src.startsWith('/>', i) || src[i] === '>') break;
        if (i >= src.length) fail(`unterminated tag <${name}`);
        const an = readName();
        skipWs();
        if (src[i] !== '=') fail(`attribute ${an} of <${name}> has no value`);
        i++;
        skipWs();
        const q = src[i];
        if (q !== '"' && q !== "'") return fail(`attribute ${an} of <${name}> is not quoted`);
        const end = src.indexOf(q, i + 1);
        if (end < 0) fail(`unterminated value of attribute ${an}`);
        if (Object.hasOwn(attrs, an)) fail(`attribute ${an} repeated on <${name}>`);
        attrs[an] = decodeEntities(src.slice(i + 1, end), fail);
        i = end + 1;
      }
      const el: Building = { name, attrs, children: [], text: '' };
      if (src.startsWith('/>', i)) {
        i += 2;
        const parent = stack.at(-1);
        if (parent) parent.children.push(el);
        else root = el;
      } else {
        i++;
        if (stack.length >= MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
        stack.push(el);
      }
    }
  }
  if (stack.length > 0) fail(`<${stack.at(-1)!.name}> is never closed`);
  if (!root) return fail('no root element');
  return root;
}

function decodeEntities(s: string, fail: (m: string) => never): string {
  return s.replace(/&([^;\s&]*);?/g, (whole, ent: string) => {
    if (!whole.endsWith(';')) return fail(`unterminated entity '${whole}'`);
    switch (ent) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const m = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(ent);
    if (!m) return fail(`unknown entity '&${ent};'`);
    const code = m[1]!.startsWith('x') ? parseInt(m[1]!.slice(1), 16) : parseInt(m[1]!, 10);
    if (code > 0x10ffff) return fail(`character reference out of range '&${ent};'`);
    return String.fromCodePoint(code);
  });
}

/** Children of `el` named `name`. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

export function childNamed(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}
