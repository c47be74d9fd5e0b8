import { VigilError } from '@vigil/base';
import type { CibElement } from './cib-tree.js';

/**
 * A minimal XML element-tree reader for CIB text: elements, attributes, entities, comments,
 * processing instructions and CDATA (text is dropped; the CIB keeps everything in attributes).
 * Stop-gap until `@vigil/cib`'s reader is available to the scheduler; same output shape.
 */
export interface LiteElement extends CibElement {
  readonly children: LiteElement[];
}

const MAX_INPUT_CHARS = 256 * 1024 * 1024;
const MAX_DEPTH = 256;

function decode(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_m, g: string) => {
    if (g === 'amp') return '&';
    if (g === 'lt') return '<';
    if (g === 'gt') return '>';
    if (g === 'quot') return '"';
    if (g === 'apos') return "'";
    if (g.startsWith('#x')) return String.fromCodePoint(Number.parseInt(g.slice(2), 16));
    return String.fromCodePoint(Number.parseInt(g.slice(1), 10));
  });
}

function fail(msg: string, pos: number, text: string): never {
  const line = text.slice(0, pos).split('\n').length;
  throw new VigilError('VGL_E_CIB_INVALID', `malformed XML at line ${line}: ${msg}`, { line });
}

export function parseXmlLite(text: string): LiteElement {
  if (text.length > MAX_INPUT_CHARS) fail('input too large', 0, text);
  const stack: LiteElement[] = [];
  let root: LiteElement | undefined;
  let i = 0;
  const n = text.length;
  const attrRe = /\s*([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/y;
  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment', i, text);
      i = end + 3;
      continue;
    }
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) fail('unterminated processing instruction', i, text);
      i = end + 2;
      continue;
    }
    if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i);
      if (end < 0) fail('unterminated CDATA', i, text);
      i = end + 3;
      continue;
    }
    if (text.startsWith('<!', i)) {
      const end = text.indexOf('>', i);
      if (end < 0) fail('unterminated declaration', i, text);
      i = end + 1;
      continue;
    }
    if (text[i + 1] === '/') {
      const end = text.indexOf('>', i);
      if (end < 0) fail('unterminated end tag', i, text);
      const name = text.slice(i + 2, end).trim();
      const top = stack.pop();
      if (top?.name !== name) fail(`unexpected </${name}>`, i, text);
      i = end + 1;
      continue;
    }
    let j = i + 1;
    while (j < n && !/[\s/>]/.test(text[j]!)) j++;
    const name = text.slice(i + 1, j);
    if (name === '') fail('empty element name', i, text);
    const attrs: Record<string, string> = {};
    let k = j;
    for (;;) {
      attrRe.lastIndex = k;
      const m = attrRe.exec(text);
      if (!m) break;
      attrs[m[1]!] = decode(m[3] ?? m[4] ?? '');
      k = attrRe.lastIndex;
    }
    while (k < n && /\s/.test(text[k]!)) k++;
    let selfClose = false;
    if (text[k] === '/') {
      selfClose = true;
      k++;
    }
    if (text[k] !== '>') fail(`bad tag <${name}>`, i, text);
    const el: LiteElement = { name, attrs, children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else if (root === undefined) root = el;
    else fail('more than one root element', i, text);
    if (!selfClose) {
      stack.push(el);
      if (stack.length > MAX_DEPTH) fail('nesting too deep', i, text);
    }
    i = k + 1;
  }
  if (stack.length > 0) fail(`unclosed <${stack[stack.length - 1]!.name}>`, n, text);
  if (root === undefined) fail('no root element', 0, text);
  return root;
}
