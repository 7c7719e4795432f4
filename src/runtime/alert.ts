/**
 * What `kshield respond` acts on: one alert, whatever sent it (Falco's HTTP output, falcosidekick's
 * webhook, the API server's audit webhook through kshield's audit rules, or the generic JSON form).
 * Each sender has an `AlertDecoder` that turns a request body into alerts or refuses it whole.
 */

/** Falco's priorities, most severe first; the other senders map onto them. */
export const ALERT_PRIORITIES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug'] as const;
export type AlertPriority = (typeof ALERT_PRIORITIES)[number];

export type AlertSource = 'falco' | 'falcosidekick' | 'audit' | 'generic';

export type AlertFieldValue = string | number | boolean | null;

export interface RuntimeAlert {
  /** Stable for one alert (a hash of source, rule, time and target): deduplication and audit lines name it. */
  id: string;
  source: AlertSource;
  /** The rule that fired: Falco's rule name, or a kshield rule id for audit events. */
  rule: string;
  priority: AlertPriority;
  /** When the event happened (ISO 8601), as the sender says; else when it was received. */
  time: string;
  /** The sender's one-line description, with secrets redacted (core/redact.ts). */
  output: string;
  tags: string[];
  /** Falco's output_fields (`k8s.ns.name`, `k8s.pod.name`, `container.id`, `fd.sip`, …) or their equivalents. */
  fields: Record<string, AlertFieldValue>;
  /** The workload the alert is about, when it names one. */
  target?: { namespace?: string; pod?: string; container?: string; containerId?: string; node?: string };
  /** The remote end the alert names (an outbound connection's server), for isolating only that destination. */
  destination?: { ip?: string; port?: number; protocol?: 'TCP' | 'UDP' | 'SCTP' };
  /** MITRE ATT&CK technique ids (`T1609`) and tactic names (`execution`) the rule names, from tags or the rule's metadata. */
  mitre?: { techniques: string[]; tactics: string[] };
}

/** A request body that is not a valid alert: the server answers 400 with `message` and acts on nothing. */
export class AlertInputError extends Error {
  override name = 'AlertInputError';
}

export interface AlertDecoder {
  source: AlertSource;
  /** The request path it is served at, e.g. `/v1/alerts/falco`. */
  path: string;
  /**
   * The largest body this endpoint takes, when its sender posts more than an alert's worth (the
   * API server's audit batches: up to 400 events, request bodies included); else the server's limit.
   */
  maxBodyBytes?: number;
  /** All alerts of one body, or an AlertInputError for the whole body. */
  decode(body: unknown, receivedAt: Date): RuntimeAlert[];
}
