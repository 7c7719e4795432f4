/** A tiny XML 1.0 well-formedness checker for the JUnit reports: enough for our own output, strict about the rest. */
import assert from 'node:assert/strict';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const XML_NAME = /^[A-Za-z_:][-A-Za-z0-9_.:]*/;

function decodeReferences(raw: string, where: string): string {
  return raw.replace(/&([^;]*);?/g, (whole, ref: string) => {
    assert.ok(whole.endsWith(';'), `unterminated reference in ${where}: ${whole}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ref in named) return named[ref];
    const m = /^#(x[0-9A-Fa-f]+|[0-9]+)$/.exec(ref);
    assert.ok(m, `bad reference &${ref}; in ${where}`);
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    assert.ok(code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff), `reference to an illegal character: &${ref};`);
    return String.fromCodePoint(code);
  });
}

export function parseXml(xml: string): XmlElement {
  const withoutPairs = xml.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '');
  const bad = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd]/.exec(withoutPairs);
  assert.equal(bad, null, `illegal XML character U+${bad?.[0].charCodeAt(0).toString(16)}`);
  let i = 0;
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/.exec(xml);
  assert.ok(decl, 'XML declaration');
  i = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt === -1 ? xml.length : lt);
    assert.ok(!text.includes(']]>'), ']]> in text');
    if (stack.length === 0) assert.match(text, /^\s*$/, 'text outside the root element');
    else stack.at(-1)!.text += decodeReferences(text, 'text');
    if (lt === -1) break;
    i = lt + 1;
    if (xml[i] === '/') {
      const name = XML_NAME.exec(xml.slice(i + 1))?.[0];
      assert.ok(name, `end tag name at ${i}`);
      i += 1 + name.length;
      assert.equal(xml[i], '>', `end tag </${name} closes`);
      i++;
      const open = stack.pop();
      assert.equal(open?.name, name, 'tags nest');
      continue;
    }
    const name = XML_NAME.exec(xml.slice(i))?.[0];
    assert.ok(name, `start tag name at ${i}: ${xml.slice(i, i + 20)}`);
    i += name.length;
    const el: XmlElement = { name, attrs: {}, children: [], text: '' };
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(i))![0];
      i += ws.length;
      if (xml.startsWith('/>', i) || xml[i] === '>') break;
      assert.ok(ws.length > 0, `whitespace before attribute in <${name}>`);
      const attr = /^([A-Za-z_:][-A-Za-z0-9_.:]*)="([^"<]*)"/.exec(xml.slice(i));
      assert.ok(attr, `attribute syntax in <${name}> at ${xml.slice(i, i + 30)}`);
      assert.ok(!(attr[1] in el.attrs), `duplicate attribute ${attr[1]}`);
      // Attribute-value normalisation: literal whitespace characters become spaces.
      el.attrs[attr[1]] = decodeReferences(attr[2].replace(/[\t\n\r]/g, ' '), `${name}@${attr[1]}`);
      i += attr[0].length;
    }
    if (stack.length > 0) stack.at(-1)!.children.push(el);
    else {
      assert.equal(root, undefined, 'a single root element');
      root = el;
    }
    if (xml.startsWith('/>', i)) i += 2;
    else {
      i++;
      stack.push(el);
    }
  }
  assert.equal(stack.length, 0, 'all elements closed');
  assert.ok(root, 'a root element');
  return root;
}

