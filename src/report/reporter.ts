/** Reporters turn a scan result into text in one output format. */
import type { ScanResult } from './scan-report.js';

export interface ReportOptions {
  /** ANSI colours (only on a TTY, never with NO_COLOR). */
  color: boolean;
  /** Show suppressed findings in human formats (they are always in JSON and SARIF). */
  showSuppressed?: boolean;
  /** Terminal width: human formats wrap long lines to it. Unset: no wrapping. */
  width?: number;
}

export type Reporter = (result: ScanResult, options: ReportOptions) => string;
