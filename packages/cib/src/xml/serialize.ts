/**
 * XML serializer: the inverse of `parseXml` for every document it produces.
 *
 * Attribute values are written in double quotes with `& < > "` and tab, CR, LF escaped as
 * character references, so that re-parsing yields the same value. Elements without text
 * children are indented; an element with text or CDATA is written on one line as-is.
 */
import { VigilError } from '@vigil/base';
import type { XmlDocument, XmlElement, XmlNode } from './types.js';

export interface SerializeOptions {
  /** Indentation unit; '' writes everything on one line. Default two spaces. */
  indent?: string;
  /** Write `<?xml version="1.0"?>` (or the document's own declaration) first. Default true. */
  declaration?: boolean;
}

const ATTR_RE = /[&<>"\t\n\r]/g;
const ATTR_MAP: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};
const TEXT_RE = /[&<>\r]/g;
const ATTR_TEST = /[&<>"\t\n\r]/;
const TEXT_TEST = /[&<>\r]/;

export function escapeAttribute(v: string): string {
  return ATTR_TEST.test(v) ? v.replace(ATTR_RE, (c) => ATTR_MAP[c]!) : v;
}

export function escapeText(v: string): string {
  return TEXT_TEST.test(v) ? v.replace(TEXT_RE, (c) => ATTR_MAP[c]!) : v;
}

/**
 * Accumulates output by string concatenation (V8 builds ropes and flattens once at the end,
 * which is faster than joining millions of array pieces).
 */
class Writer {
  out = '';

  openTag(el: XmlElement): void {
    let t = '<' + el.name;
    const attrs = el.attrs;
    for (const k in attrs) t += ' ' + k + '="' + escapeAttribute(attrs[k]!) + '"';
    this.out += t;
  }

  node(node: XmlNode): void {
    switch (node.type) {
      case 'text':
        this.out += escapeText(node.value);
        return;
      case 'cdata':
        // ']]>' cannot appear inside one CDATA section: split it across two.
        this.out += '<![CDATA[' + node.value.split(']]>').join(']]]]><![CDATA[>') + ']]>';
        return;
      case 'comment':
        if (node.value.includes('--') || node.value.endsWith('-')) {
          throw new VigilError(
            'VGL_E_INVALID_INPUT',
            `XML comment cannot contain '--' or end with '-'`,
            { comment: node.value },
          );
        }
        this.out += '<!--' + node.value + '-->';
        return;
      case 'pi':
        if (node.data.includes('?>')) {
          throw new VigilError(
            'VGL_E_INVALID_INPUT',
            `processing instruction data cannot contain '?>'`,
            { target: node.target },
          );
        }
        this.out += '<?' + node.target + (node.data === '' ? '' : ' ') + node.data + '?>';
        return;
      case 'element':
        this.element(node, '', '');
        return;
    }
  }

  element(el: XmlElement, indent: string, unit: string): void {
    this.openTag(el);
    const children = el.children;
    if (children.length === 0) {
      this.out += '/>';
      return;
    }
    this.out += '>';
    let inline = unit === '';
    if (!inline) {
      for (const c of children) {
        if (c.type === 'text' || c.type === 'cdata') {
          inline = true;
          break;
        }
      }
    }
    if (inline) {
      for (const c of children) this.node(c);
    } else {
      const inner = indent + unit;
      const nl = '\n' + inner;
      for (const c of children) {
        this.out += nl;
        if (c.type === 'element') this.element(c, inner, unit);
        else this.node(c);
      }
      this.out += '\n' + indent;
    }
    this.out += '</' + el.name + '>';
  }
}

/** Serializes one element (and its subtree). */
export function serializeElement(el: XmlElement, options: SerializeOptions = {}): string {
  const w = new Writer();
  w.element(el, '', options.indent ?? '  ');
  return w.out;
}

/** Serializes a whole document, ending with a newline. */
export function serializeXml(doc: XmlDocument, options: SerializeOptions = {}): string {
  const unit = options.indent ?? '  ';
  const w = new Writer();
  const nl = unit === '' ? '' : '\n';
  if (options.declaration ?? true) {
    const decl = doc.declaration ?? { version: '1.0' };
    w.out += '<?xml';
    for (const k in decl) w.out += ' ' + k + '="' + escapeAttribute(decl[k]!) + '"';
    w.out += '?>' + nl;
  }
  for (const m of doc.prolog) {
    w.node(m);
    w.out += nl;
  }
  w.element(doc.root, '', unit);
  for (const m of doc.epilog) {
    w.out += nl;
    w.node(m);
  }
  return w.out + '\n';
}
