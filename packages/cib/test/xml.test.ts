import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VigilError } from '@vigil/base';
import {
  parseXml,
  serializeXml,
  serializeElement,
  type XmlDocument,
  type XmlElement,
  type XmlNode,
} from '@vigil/cib';

function parseError(text: string): VigilError {
  try {
    parseXml(text);
  } catch (e) {
    assert.ok(e instanceof VigilError, `expected a VigilError, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected a parse error for ${JSON.stringify(text)}`);
}

describe('XML parser', () => {
  it('reads elements, both quote styles, entities, character references and self-closing tags', () => {
    const doc = parseXml(
      `<?xml version="1.0" encoding="UTF-8"?>\n<a x="1" y='two "q"' z="&lt;&amp;&gt;&quot;&apos;&#65;&#x42;"><b/><c k = "v" ></c></a>`,
    );
    assert.deepEqual(doc.declaration, { version: '1.0', encoding: 'UTF-8' });
    assert.equal(doc.root.name, 'a');
    assert.deepEqual(doc.root.attrs, { x: '1', y: 'two "q"', z: `<&>"'AB` });
    assert.deepEqual(
      doc.root.children.map((c) => (c.type === 'element' ? [c.name, c.attrs] : c.type)),
      [
        ['b', {}],
        ['c', { k: 'v' }],
      ],
    );
  });

  it('keeps comments, CDATA, processing instructions and text; drops whitespace-only text', () => {
    const doc = parseXml(
      `<!-- before --><?style a b?>\n<r>\n  <!-- c1 -->\n  <![CDATA[ <raw> & ]]>\n  hello &amp; bye\n  <?pi data?>\n</r>\n<!-- after -->`,
    );
    assert.deepEqual(doc.prolog, [
      { type: 'comment', value: ' before ' },
      { type: 'pi', target: 'style', data: 'a b' },
    ]);
    assert.deepEqual(doc.epilog, [{ type: 'comment', value: ' after ' }]);
    const kinds = doc.root.children.map((c) => c.type);
    assert.deepEqual(kinds, ['comment', 'cdata', 'text', 'pi']);
    assert.deepEqual(doc.root.children[1], { type: 'cdata', value: ' <raw> & ' });
    assert.deepEqual(doc.root.children[2], { type: 'text', value: '\n  hello & bye\n  ' });
  });

  it('normalises literal whitespace in attribute values but keeps character references', () => {
    const doc = parseXml(`<a v="x\ty\nz" w="x&#10;y&#9;z"/>`);
    assert.equal(doc.root.attrs['v'], 'x y z');
    assert.equal(doc.root.attrs['w'], 'x\ny\tz');
  });

  it('records line and column of each element', () => {
    const doc = parseXml(`<a>\n  <b/>\n\t<c>\n    <d/></c></a>`);
    const pos = (e: XmlNode): [number | undefined, number | undefined] =>
      e.type === 'element' ? [e.line, e.col] : [undefined, undefined];
    assert.deepEqual(pos(doc.root), [1, 1]);
    assert.deepEqual(pos(doc.root.children[0]!), [2, 3]);
    const c = doc.root.children[1] as XmlElement;
    assert.deepEqual(pos(c), [3, 2]);
    assert.deepEqual(pos(c.children[0]!), [4, 5]);
  });

  const malformed: [string, string, number, number][] = [
    ['<a><b></a>', 'does not match <b>', 1, 7],
    ['<a>\n  <b x="1" x="2"/></a>', "duplicate attribute 'x'", 2, 12],
    ['<a x=1/>', 'must be quoted', 1, 6],
    ['<a x="1/>', 'is not closed', 1, 6],
    ['<a>\n\n  <b>', 'is not closed', 3, 6],
    ['<a>&foo;</a>', 'unknown entity &foo;', 1, 4],
    ['<a v="&#0;"/>', 'invalid character reference', 1, 7],
    ['<a>& b</a>', "'&' must start an entity", 1, 4],
    ['<a v="<"/>', "'<' is not allowed", 1, 7],
    ['<a/><b/>', 'only one root element', 1, 5],
    ['<a/>text', 'text is not allowed after the root element', 1, 5],
    ['text<a/>', 'text is not allowed before the root element', 1, 1],
    ['', 'no root element', 1, 1],
    ['<a><!-- x -- y --></a>', "'--' is not allowed", 1, 11],
    ['<a><![CDATA[x</a>', 'CDATA section is not closed', 1, 4],
    ['<a x="1"y="2"/>', 'expected whitespace', 1, 9],
    ['<a><?xml version="1.0"?></a>', 'XML declaration is only allowed', 1, 4],
    ['<1a/>', 'expected an element name', 1, 2],
    ['<!DOCTYPE a [<!ENTITY e "x">]><a/>', 'internal subset is not supported', 1, 1],
  ];
  for (const [text, msg, line, col] of malformed) {
    it(`rejects ${JSON.stringify(text)} at ${line}:${col}: ${msg}`, () => {
      const e = parseError(text);
      assert.equal(e.code, 'VGL_E_PARSE');
      assert.match(e.message, new RegExp(msg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.match(e.message, new RegExp(`^XML line ${line}:${col}: `));
      assert.deepEqual({ line: e.details['line'], col: e.details['col'] }, { line, col });
    });
  }

  it('enforces its limits', () => {
    const deep = '<a>'.repeat(20) + '</a>'.repeat(20);
    assert.throws(
      () => parseXml(deep, { maxInputChars: 1e6, maxDepth: 10, maxAttributesPerElement: 10 }),
      /nested deeper than the limit of 10/,
    );
    assert.throws(
      () => parseXml('<a/>', { maxInputChars: 3, maxDepth: 10, maxAttributesPerElement: 10 }),
      /more than the limit of 3/,
    );
  });
});

// ------------------------------------------------------------------ property: serialize ∘ parse

const nameArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.:-]{0,8}$/);
/** Any text XML can carry: printable ASCII, tab/CR/LF, some non-ASCII and astral characters. */
const textArb = fc
  .array(
    fc.oneof(
      fc.constantFrom('<', '>', '&', '"', "'", '\t', '\n', '\r', ']]>', '--', 'é', '𝄞', ' '),
      fc.string({ unit: 'grapheme-ascii', maxLength: 5 }),
    ),
    { maxLength: 6 },
  )
  .map((a) => a.join(''));

function stripPos(e: XmlElement): XmlElement {
  return {
    type: 'element',
    name: e.name,
    attrs: e.attrs,
    children: e.children.map((c) => (c.type === 'element' ? stripPos(c) : c)),
  };
}

const { tree } = fc.letrec<{ tree: XmlElement; node: XmlNode }>((tie) => ({
  tree: fc.record({
    type: fc.constant('element' as const),
    name: nameArb,
    attrs: fc.dictionary(nameArb, textArb, { maxKeys: 4 }),
    children: fc.array(tie('node'), { maxLength: 4 }),
  }),
  node: fc.oneof(
    { maxDepth: 5, depthIdentifier: 'xml' },
    fc.record({ type: fc.constant('text' as const), value: textArb }),
    fc.record({ type: fc.constant('cdata' as const), value: textArb }),
    fc.record({
      type: fc.constant('comment' as const),
      value: textArb.map((t) => t.replace(/-+/g, '-').replace(/-$/, '')),
    }),
    tie('tree'),
    tie('tree'),
  ),
}));

/** What a parse gives back for a tree: adjacent text merged, CR normalised, blank text dropped. */
function canonical(e: XmlElement): XmlElement {
  const out: XmlNode[] = [];
  for (const c of e.children) {
    if (c.type === 'element') out.push(canonical(c));
    else if (c.type === 'text') {
      const prev = out[out.length - 1];
      if (prev?.type === 'text') prev.value += c.value;
      else out.push({ ...c });
    } else if (c.type === 'cdata') {
      // The serializer splits ']]>' across two CDATA sections.
      const parts = c.value.split(']]>');
      parts.forEach((p, i) => {
        const value = (i > 0 ? '>' : '') + p + (i < parts.length - 1 ? ']]' : '');
        out.push({ type: 'cdata', value });
      });
    } else out.push({ ...c });
  }
  return {
    type: 'element',
    name: e.name,
    attrs: { ...e.attrs },
    children: out.filter((c) => !(c.type === 'text' && /^[ \t\r\n]*$/.test(c.value))),
  };
}

describe('XML serializer', () => {
  it('parse(serialize(tree)) gives the tree back (property)', () => {
    fc.assert(
      fc.property(tree, fc.constantFrom('', '  '), (t, indent) => {
        const expected = canonical(t);
        // Indentation adds whitespace-only text, which the parser drops; with text children the
        // serializer writes inline, so only element-only content is indented.
        const doc: XmlDocument = { prolog: [], root: expected, epilog: [] };
        const back = parseXml(serializeXml(doc, { indent }));
        assert.deepStrictEqual(stripPos(back.root), expected);
      }),
      { numRuns: 300 },
    );
  });

  it('escapes attribute values so that they survive exactly', () => {
    const el: XmlElement = {
      type: 'element',
      name: 'a',
      attrs: { v: `<&>"'\t\n\r x` },
      children: [],
    };
    const text = serializeElement(el);
    assert.equal(text, `<a v="&lt;&amp;&gt;&quot;'&#9;&#10;&#13; x"/>`);
    assert.deepEqual(parseXml(text).root.attrs, el.attrs);
  });
});
