/**
 * A small XML document model: what the parser produces and the serializer consumes.
 *
 * Attribute order is kept (insertion order of `attrs`). Positions (`line`, `col`, 1-based) are
 * those of the element's `<` in the source text; elements built in code have none.
 */
export interface XmlElement {
  readonly type: 'element';
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  line?: number;
  col?: number;
}

export interface XmlText {
  readonly type: 'text';
  /** Decoded text (entities resolved). */
  value: string;
}

export interface XmlCData {
  readonly type: 'cdata';
  value: string;
}

export interface XmlComment {
  readonly type: 'comment';
  value: string;
}

export interface XmlProcessingInstruction {
  readonly type: 'pi';
  target: string;
  data: string;
}

export type XmlNode = XmlElement | XmlText | XmlCData | XmlComment | XmlProcessingInstruction;

export interface XmlDocument {
  /** Attributes of the `<?xml …?>` declaration, if any (version, encoding, standalone). */
  declaration?: Record<string, string>;
  /** Comments and processing instructions before the root element. */
  prolog: (XmlComment | XmlProcessingInstruction)[];
  root: XmlElement;
  /** Comments and processing instructions after the root element. */
  epilog: (XmlComment | XmlProcessingInstruction)[];
}

/** Bounds on what the parser accepts. Every input is bounded (DEVELOPERS.md, principle 6). */
export interface XmlLimits {
  /** Largest input, in UTF-16 code units. */
  maxInputChars: number;
  /** Deepest element nesting. */
  maxDepth: number;
  /** Most attributes on one element. */
  maxAttributesPerElement: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxInputChars: 512 * 1024 * 1024,
  maxDepth: 256,
  maxAttributesPerElement: 1024,
};

/** Child elements of `el`, skipping text, comments, CDATA and processing instructions. */
export function childElements(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (c.type === 'element') out.push(c);
  return out;
}

/** Builds an element without a source position. */
export function element(
  name: string,
  attrs: Record<string, string> = {},
  children: XmlNode[] = [],
): XmlElement {
  return { type: 'element', name, attrs, children };
}
