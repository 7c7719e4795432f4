/**
 * The page shell every HTML view shares: one file with its style sheet, its script and its data
 * inline, and a Content-Security-Policy that allows exactly that style and that script (by their
 * SHA-256) and nothing else: no request leaves the page, not even for an image or a font.
 */
import { createHash } from 'node:crypto';
import { escapeHtml, jsonForScript } from './escape.js';
import { STYLE } from './style.js';

export interface PageSection {
  id: string;
  title: string;
  /** Markup, already escaped. */
  body: string;
}

export interface PageOptions {
  title: string;
  /** Lines under the title (plain text; escaped here). */
  subtitle: string[];
  sections: PageSection[];
  /** The JSON island the script reads (absent: no script at all). */
  data?: unknown;
  /** The script's source, run once the page is parsed. */
  script?: string;
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The page as pieces (the data island of a large report is tens of megabytes: it is not copied into one more string). */
export function* htmlPageChunks(page: PageOptions): Generator<string> {
  const script = page.script ?? '';
  const csp = [
    "default-src 'none'",
    `style-src ${sha256(STYLE)}`,
    script ? `script-src ${sha256(script)}` : "script-src 'none'",
    "img-src 'none'",
    "font-src 'none'",
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  yield '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n';
  yield `<meta http-equiv="Content-Security-Policy" content="${csp}">\n`;
  yield '<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="referrer" content="no-referrer">\n';
  yield `<title>${escapeHtml(page.title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n`;
  yield `<header><h1>${escapeHtml(page.title)}</h1>${page.subtitle.map((l) => `<div class="muted">${escapeHtml(l)}</div>`).join('')}</header>\n`;
  if (page.sections.length > 1) yield `<nav>${page.sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join('')}</nav>\n`;
  yield '<main>\n';
  for (const s of page.sections) yield `<section id="${s.id}"><h2>${escapeHtml(s.title)}</h2>\n${s.body}\n</section>\n`;
  yield '</main>\n';
  if (page.data !== undefined) {
    yield '<script type="application/json" id="kshield-data">';
    yield jsonForScript(page.data);
    yield '</script>\n';
  }
  if (script) yield `<script>${script}</script>\n`;
  yield '</body>\n</html>\n';
}

export function htmlPage(page: PageOptions): string {
  return [...htmlPageChunks(page)].join('');
}
