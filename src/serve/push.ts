/**
 * `kshield cluster|scan --report-to URL`: the scan's JSON report sent to a `kshield serve` instance
 * (POST URL/api/scans), streamed in the pieces the JSON reporter writes, with the bearer token of
 * `--report-token-file`. Every failure is a sentence naming the server and what to do; the token is
 * never part of one.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync, statSync } from 'node:fs';

export interface PushOptions {
  url: string;
  token?: string;
  /** PEM CA bundle the server's certificate is checked against (default: the system's). */
  ca?: string;
  /**
   * The import envelope's fields (see serve/api.ts importFromBody): the cluster's name in the
   * dashboard, the command, the labels findings' teams come from, the RBAC graph and reachability of
   * the objects (serve/analyses.ts), the node and probe results judged with it. The report is its `result`.
   */
  envelope?: { source: string; command: string; objectLabels: unknown[]; analyses?: unknown; evidence?: unknown[] };
  timeoutMs?: number;
}

export interface PushResult {
  scanId: string | number;
  findings?: number;
}

export class PushError extends Error {}

/**
 * The address of one of the dashboard's API paths under a --report-to URL: the server's root (or a
 * path it is served under), or that API path itself. Checked: http(s) only, no credentials in it.
 */
export function dashboardEndpoint(base: string, apiPath: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new PushError(`--report-to "${base}" is not a URL (e.g. https://kshield.example.com or http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PushError(`--report-to ${base}: only http:// and https:// are supported`);
  if (url.username || url.password) throw new PushError('--report-to: put no credentials in the URL; give the token with --report-token-file');
  if (!url.pathname.endsWith(apiPath)) url.pathname = `${url.pathname.replace(/\/$/, '')}${apiPath}`;
  return url;
}

/** The endpoint a --report-to URL means for a scan result: the server's root or its /api/scans. */
export function importEndpoint(base: string): URL {
  return dashboardEndpoint(base, '/api/scans');
}

/** The token in a file (one line; surrounding white space dropped), with a clear error. */
export function readTokenFile(file: string, flag: string): string {
  let text: string;
  try {
    if (statSync(file).size > 64 * 1024) throw new PushError(`${flag} ${file}: larger than 64 KiB, not a token file`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof PushError) throw error;
    throw new PushError(`${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const token = text.trim();
  if (!token) throw new PushError(`${flag} ${file} is empty`);
  if (/\s/.test(token)) throw new PushError(`${flag} ${file}: a token is one word; the file holds white space inside it`);
  return token;
}

/**
 * POSTs JSON (in pieces) to the dashboard; resolves with its answer's body, or rejects with a
 * PushError naming the server and what to do (`what` says what was sent: "the report").
 */
export function postToDashboard(url: URL, pieces: Iterable<string>, options: { token?: string; ca?: string; timeoutMs?: number; what: string }): Promise<Record<string, unknown>> {
  const where = `${url.protocol}//${url.host}`;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}) },
        ...(options.ca ? { ca: options.ca } : {}),
        timeout: options.timeoutMs ?? 120_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (text.length < 64 * 1024) text += c;
        });
        res.on('end', () => {
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // not JSON: the status says enough
          }
          const said = typeof body.error === 'string' ? `: ${body.error}` : '';
          if (res.statusCode === 401) {
            reject(new PushError(`${where} refused ${options.what} (HTTP 401${said}); ${options.token ? 'the token in --report-token-file is not one this server accepts' : 'give its token with --report-token-file'}`));
          } else if (res.statusCode === 201 || res.statusCode === 200) resolve(body);
          else reject(new PushError(`${where} did not store ${options.what} (HTTP ${res.statusCode}${said})`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer in time')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ? ` (${error.code})` : '';
      const hint =
        error.code === 'ECONNREFUSED'
          ? ': nothing listens there; is kshield serve running?'
          : error.code === 'EPROTO' && url.protocol === 'https:'
            ? ': it did not answer TLS; if kshield serve runs without --tls-cert, use http://'
            : error.code?.startsWith('ERR_TLS') || error.code?.includes('CERT')
              ? ': its certificate is not trusted (give its CA with --report-ca)'
              : error.message === 'no answer in time'
                ? `: no answer in ${Math.round((options.timeoutMs ?? 120_000) / 1000)} s`
                : '';
      reject(new PushError(`cannot reach ${where}${code}${hint || `: ${error.message}`}`));
    });
    (async () => {
      for (const chunk of pieces) {
        if (!req.write(chunk)) await new Promise<void>((r) => req.once('drain', () => r()));
      }
      req.end();
    })().catch((error: Error) => req.destroy(error));
  });
}

/** Sends the report; resolves with the stored scan's id, or rejects with a PushError that says what went wrong. */
export async function pushReport(chunks: Iterable<string>, options: PushOptions): Promise<PushResult> {
  const url = importEndpoint(options.url);
  const { envelope } = options;
  const pieces = envelope
    ? (function* (): Generator<string> {
        yield `{"kshieldImport":1,"source":${JSON.stringify(envelope.source)},"command":${JSON.stringify(envelope.command)},"objectLabels":${JSON.stringify(envelope.objectLabels)},`;
        if (envelope.analyses !== undefined) yield `"analyses":${JSON.stringify(envelope.analyses)},`;
        if (envelope.evidence !== undefined) yield `"evidence":${JSON.stringify(envelope.evidence)},`;
        yield '"result":';
        yield* chunks;
        yield '}';
      })()
    : chunks;
  const answer = await postToDashboard(url, pieces, { token: options.token, ca: options.ca, timeoutMs: options.timeoutMs, what: 'the report' });
  return { scanId: (answer.id ?? answer.scanId ?? '?') as string | number, findings: typeof answer.findings === 'number' ? answer.findings : undefined };
}
