import { VigilError } from '@vigil/base';

/**
 * A small, strict XML reader for agent meta-data (and other agent output). It builds an element
 * tree; it does not validate, fetch DTDs, or expand entities other than the five predefined ones
 * and numeric character references. Malformed input raises VGL_E_PARSE naming the offset.
 */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Concatenated character data directly inside this element (CDATA included), untrimmed. */
  readonly text: string;
}

/** Largest document accepted, in characters. Agent meta-data is a few tens of kB at most. */
export const MAX_XML_CHARS = 4 * 1024 * 1024;
/** Deepest element nesting accepted. */
export const MAX_XML_DEPTH = 64;

interface Building {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export function parseXml(src: string, what = 'XML'): XmlElement {
  if (src.length > MAX_XML_CHARS) {
    throw new VigilError('VGL_E_LIMIT', `${what} is larger than ${MAX_XML_CHARS} characters`);
  }
  let i = 0;
  const fail = (msg: string): never => {
    const line = src.slice(0, i).split('\n').length;
    throw new VigilError('VGL_E_PARSE', `${what}: ${msg} at line ${line}`, { offset: i, line });
  };
  const stack: Building[] = [];
  let root: XmlElement | undefined;

  const skipUntil = (end: string, name: string): void => {
    const j = src.indexOf(end, i);
    if (j < 0) fail(`unterminated ${name}`);
    i = j + end.length;
  };

  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const textEnd = lt < 0 ? src.length : lt;
    if (textEnd > i) {
      const raw = src.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.text += decodeEntities(raw, fail);
      else if (raw.trim() !== '') fail('text outside the root element');
      i = textEnd;
      continue;
    }
    // src[i] === '<'
    if (src.startsWith('<?', i)) {
      skipUntil('?>', 'processing instruction');
    } else if (src.startsWith('<!--', i)) {
      skipUntil('-->', 'comment');
    } else if (src.startsWith('<![CDATA[', i)) {
      const j = src.indexOf(']]>', i);
      if (j < 0) fail('unterminated CDATA section');
      const top = stack[stack.length - 1];
      if (!top) fail('CDATA outside the root element');
      else top.text += src.slice(i + 9, j);
      i = j + 3;
    } else if (src.startsWith('<!DOCTYPE', i)) {
      // Skip an internal subset in brackets if present.
      let depth = 0;
      for (; i < src.length; i++) {
        const c = src[i];
        if (c === '[') depth++;
        else if (c === ']') depth--;
        else if (c === '>' && depth === 0) break;
      }
      if (i >= src.length) fail('unterminated DOCTYPE');
      i++;
    } else if (src.startsWith('</', i)) {
      const m = /^<\/([A-Za-z_:][-\w.:]*)\s*>/.exec(src.slice(i, i + 256));
      if (!m) fail('malformed end tag');
      const name = m![1]!;
      const top = stack.pop();
      if (!top) fail(`end tag </${name}> without a start tag`);
      if (top!.name !== name) fail(`end tag </${name}> does not match <${top!.name}>`);
      const el: XmlElement = top!;
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else root = el;
      i += m![0].length;
    } else {
      i++;
      const nm = /^[A-Za-z_:][-\w.:]*/.exec(src.slice(i, i + 256));
      if (!nm) fail('malformed start tag');
      const name = nm![0];
      i += name.length;
      const attrs: Record<string, string> = {};
      for (;;) {
        const ws = /^\s*/.exec(src.slice(i, i + 4096))![0];
        i += ws.length;
        if (src.startsWith('/>', i) || src[i] === '>') break;
        if (ws.length === 0) fail(`expected whitespace before attribute in <${name}>`);
        const am = /^([A-Za-z_:][-\w.:]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(
          src.slice(i, i + 65536),
        );
        if (!am) fail(`malformed attribute in <${name}>`);
        const an = am![1]!;
        if (Object.hasOwn(attrs, an)) fail(`duplicate attribute ${an} in <${name}>`);
        attrs[an] = decodeEntities(am![3] ?? am![4] ?? '', fail);
        i += am![0].length;
      }
      if (root) fail('content after the root element');
      const selfClosing = src.startsWith('/>', i);
      i += selfClosing ? 2 : 1;
      const el: Building = { name, attrs, children: [], text: '' };
      if (selfClosing) {
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(el);
        else root = el;
      } else {
        if (stack.length >= MAX_XML_DEPTH) fail(`nesting deeper than ${MAX_XML_DEPTH}`);
        stack.push(el);
      }
    }
  }
  if (stack.length > 0) fail(`unclosed element <${stack[stack.length - 1]!.name}>`);
  if (!root) fail('no root element');
  return root!;
}

function decodeEntities(s: string, fail: (m: string) => never): string {
  if (!s.includes('&')) return s;
  return s.replace(/&([^;\s&]{1,10});|&/g, (all, ent: string | undefined) => {
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
      case undefined:
        return fail('bare & (escape it as &amp;)');
      default: {
        const m = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(ent);
        if (!m) return fail(`unknown entity ${all}`);
        const code = m[1]!.startsWith('x') ? parseInt(m[1]!.slice(1), 16) : parseInt(m[1]!, 10);
        if (code > 0x10ffff) return fail(`character reference ${all} out of range`);
        return String.fromCodePoint(code);
      }
    }
  });
}

/** Children of `el` named `name`. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** The first child named `name`, if any. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}
