/** The formats of `kshield report` (shared by its registration and its run, which is loaded only when it runs). */
export const REPORT_FORMATS = ['table', 'json', 'markdown', 'csv', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
