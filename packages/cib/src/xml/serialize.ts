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

function openTag(el: XmlElement, out: string[]): void {
  out.push('<', el.name);
  for (const k in el.attrs) out.push(' ', k, '="', escapeAttribute(el.attrs[k]!), '"');
}

function writeNode(node: XmlNode, out: string[]): void {
  switch (node.type) {
    case 'text':
      out.push(escapeText(node.value));
      return;
    case 'cdata':
      // ']]>' cannot appear inside one CDATA section: split it across two.
      out.push('<![CDATA[', node.value.split(']]>').join(']]]]><![CDATA[>'), ']]>');
      return;
    case 'comment':
      if (node.value.includes('--') || node.value.endsWith('-')) {
        throw new VigilError(
          'VGL_E_INVALID_INPUT',
          `XML comment cannot contain '--' or end with '-'`,
          {
            comment: node.value,
          },
        );
      }
      out.push('<!--', node.value, '-->');
      return;
    case 'pi':
      if (node.data.includes('?>')) {
        throw new VigilError(
          'VGL_E_INVALID_INPUT',
          `processing instruction data cannot contain '?>'`,
          {
            target: node.target,
          },
        );
      }
      out.push('<?', node.target, node.data === '' ? '' : ' ', node.data, '?>');
      return;
    case 'element':
      writeElement(node, out, '', '');
      return;
  }
}

function writeElement(el: XmlElement, out: string[], indent: string, unit: string): void {
  openTag(el, out);
  if (el.children.length === 0) {
    out.push('/>');
    return;
  }
  out.push('>');
  const inline = unit === '' || el.children.some((c) => c.type === 'text' || c.type === 'cdata');
  if (inline) {
    for (const c of el.children) writeNode(c, out);
  } else {
    const inner = indent + unit;
    for (const c of el.children) {
      out.push('\n', inner);
      if (c.type === 'element') writeElement(c, out, inner, unit);
      else writeNode(c, out);
    }
    out.push('\n', indent);
  }
  out.push('</', el.name, '>');
}

/** Serializes one element (and its subtree). */
export function serializeElement(el: XmlElement, options: SerializeOptions = {}): string {
  const out: string[] = [];
  writeElement(el, out, '', options.indent ?? '  ');
  return out.join('');
}

/** Serializes a whole document, ending with a newline. */
export function serializeXml(doc: XmlDocument, options: SerializeOptions = {}): string {
  const unit = options.indent ?? '  ';
  const out: string[] = [];
  const nl = unit === '' ? '' : '\n';
  if (options.declaration ?? true) {
    const decl = doc.declaration ?? { version: '1.0' };
    out.push('<?xml');
    for (const k in decl) out.push(' ', k, '="', escapeAttribute(decl[k]!), '"');
    out.push('?>', nl);
  }
  for (const m of doc.prolog) {
    writeNode(m, out);
    out.push(nl);
  }
  writeElement(doc.root, out, '', unit);
  for (const m of doc.epilog) {
    out.push(nl);
    writeNode(m, out);
  }
  out.push('\n');
  return out.join('');
}
