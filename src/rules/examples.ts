/** Helpers for writing rule examples: each example is a complete manifest; these only save repeating the envelope. */

/** Removes the common indentation of a template literal, so examples can be indented like the code around them. */
export function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').replace(/\n\s*$/, '').split('\n');
  const widths = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const cut = widths.length ? Math.min(...widths) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** Dedents, then indents every non-blank line by `n` spaces, to nest a snippet inside a manifest. */
export function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return dedent(text)
    .split('\n')
    .map((l) => (l.trim() === '' ? l : pad + l))
    .join('\n');
}
