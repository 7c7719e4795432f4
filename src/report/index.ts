/** The output formats by name: the CLI picks one per `-o FORMAT`. */
import type { Reporter } from './reporter.js';
import { renderTable } from './table.js';
import { renderJson } from './json.js';
import { renderSarif } from './sarif.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderHtml } from './html/index.js';

export type ReportFormat = 'table' | 'json' | 'sarif' | 'junit' | 'markdown' | 'html';

export const reporters: Readonly<Record<ReportFormat, Reporter>> = Object.freeze({
  table: renderTable,
  json: renderJson,
  sarif: renderSarif,
  junit: renderJunit,
  markdown: renderMarkdown,
  html: renderHtml,
});

export type { Reporter, ReportOptions } from './reporter.js';
export { renderTable, formatFinding, summaryLine } from './table.js';
export { formatLocation, resourceLabel } from './describe.js';
export { renderJson, toJsonReport, JSON_REPORT_FORMAT, type JsonReport, type JsonFinding, type JsonRule } from './json.js';
export { renderSarif, toSarif, sarifLevel } from './sarif.js';
export { renderJunit } from './junit.js';
export { renderMarkdown, type MarkdownOptions } from './markdown.js';
export { renderHtml, renderHtmlReport, renderHtmlReportChunks, analysesForHtml, type HtmlReportInput } from './html/index.js';
