/**
 * Everything the HTML report takes from the input (object names, annotations, messages, file names)
 * passes through here: text into markup is entity-escaped, data into the page's JSON island has
 * every `<`, `>` and `&` written as a \u escape, so no `</script>` or `<!--` in a name can end or
 * comment out the element that holds it.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an element's content or a quoted attribute value. C0 controls but tab and newline become U+FFFD (they are not allowed in HTML text). */
export function escapeHtml(text: string | number): string {
  return String(text)
    .replace(/[&<>"']/g, (c) => ENTITIES[c])
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
}

/** JSON to sit inside `<script type="application/json">`: parsed back with JSON.parse to the same value. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => JSON_ESCAPES[c]);
}

const JSON_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/** At most `max` characters, with an ellipsis when cut (labels in drawings; the full text goes in a <title>). */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/** A framework's title, with its version when the title does not already carry it. */
export function frameworkLabel(a: { title: string; version: string }): string {
  return a.title.includes(a.version.replace(/^v/, '')) ? a.title : `${a.title} ${a.version}`;
}
