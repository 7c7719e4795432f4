/**
 * Paragraphs of "Field: value" lines, as dpkg's status file (deb-control(5)), apk's installed
 * database and Python's core metadata (an email header block) write them. Pure: text in, fields out.
 */

export interface Paragraph {
  /** Field names lower-cased (dpkg and email headers compare them case-insensitively); the first value wins. */
  fields: Map<string, string>;
  /** 1-based line of the paragraph's first field. */
  line: number;
}

/**
 * Splits `text` into paragraphs at blank lines. A line starting with a space or tab continues the
 * previous field (its text is joined with a newline). Lines that are neither are skipped: a
 * damaged line costs only itself.
 */
export function parseParagraphs(text: string, options: { stopAtFirstBlank?: boolean } = {}): Paragraph[] {
  const out: Paragraph[] = [];
  let current: Paragraph | undefined;
  let lastField: string | undefined;
  let lineNumber = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).replace(/\r$/, '');
    lineNumber++;
    start = end + 1;
    if (line.trim() === '') {
      if (current) {
        out.push(current);
        current = undefined;
        lastField = undefined;
        if (options.stopAtFirstBlank) return out;
      }
      if (end === text.length) break;
      continue;
    }
    if ((line[0] === ' ' || line[0] === '\t') && current && lastField !== undefined) {
      current.fields.set(lastField, `${current.fields.get(lastField)}\n${line.trim()}`);
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) {
        lastField = undefined;
      } else {
        current ??= { fields: new Map(), line: lineNumber };
        const name = line.slice(0, colon).trim().toLowerCase();
        if (current.fields.has(name)) lastField = undefined;
        else {
          current.fields.set(name, line.slice(colon + 1).trim());
          lastField = name;
        }
      }
    }
    if (end === text.length) break;
  }
  if (current) out.push(current);
  return out;
}
