/**
 * Endpoints as users write them: copied from `--etcd-servers` (https://10.0.0.5:2379), from
 * `--listen-client-urls` (http://127.0.0.1:2379), or typed as host:port or a bare host. Anything
 * that cannot name one TCP port on one host is a usage error that says what was wrong.
 */
import { isIP } from 'node:net';
import { UsageError } from '../core/errors.js';
import type { Scheme, Target } from './http.js';

export interface Endpoint extends Target {
  /** The scheme the user wrote, if any: a hint of what the port should speak; both are probed. */
  scheme?: Scheme;
  /** host:port as shown in reports, IPv6 in brackets. */
  label: string;
  /** The text the user gave. */
  given: string;
}

export function hostLabel(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

function parsePort(text: string, given: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw new UsageError(`${given}: the port must be a number from 1 to 65535, got "${text}"`);
  return Number(text);
}

function checkHost(host: string, given: string): string {
  if (host === '') throw new UsageError(`${given}: no host`);
  if (isIP(host)) return host;
  // A DNS name: letters, digits, hyphens, underscores and dots; no spaces, slashes or other URL parts.
  if (!/^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?$/.test(host) || host.length > 253) throw new UsageError(`${given}: "${host}" is not a host name or IP address`);
  return host;
}

/**
 * Refuses what must never be echoed, before any message quotes the text: userinfo (what precedes
 * "@" may be a password) and a query string or fragment (`?token=...`). Every later message may
 * then show the text as given.
 */
function refuseSecrets(text: string, what: 'an endpoint' | 'a host'): void {
  // "@" has no other use in an endpoint (a path is refused anyway), so any "@" counts.
  if (text.includes('@')) throw new UsageError(`${what} carries credentials (user:password@host); the probe sends none, leave them out`);
  if (/[?#]/.test(text)) {
    const part = text.includes('?') ? 'a query string' : 'a fragment';
    throw new UsageError(`${what} has ${part} (not shown: it may carry a token); give only ${what === 'a host' ? 'the host name or IP address' : 'scheme, host and port'}`);
  }
}

/**
 * `https://host:port`, `http://host:port`, `host:port`, `[v6]:port`, or `host` (then `defaultPort`).
 * A path other than "/", a query, credentials or a scheme other than http/https are refused.
 */
export function parseEndpoint(given: string, defaultPort: number): Endpoint {
  const text = given.trim();
  if (text === '') throw new UsageError('an empty endpoint was given');
  refuseSecrets(text, 'an endpoint');
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  if (schemeMatch) {
    const scheme = schemeMatch[1].toLowerCase();
    if (scheme === 'unix' || scheme === 'unixs') throw new UsageError(`${given}: a unix socket cannot be probed over the network; give host:port`);
    if (scheme !== 'http' && scheme !== 'https') throw new UsageError(`${given}: unknown scheme "${schemeMatch[1]}" (use http://, https:// or host:port)`);
    // Read the port from the text: URL refuses some bad ports without saying why, and drops the scheme's default port.
    const written = /:(\d+)\/?$/.exec(text);
    if (written) parsePort(written[1], given);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new UsageError(`${given}: not a valid URL`);
    }
    // URL also reads credentials and queries written in ways the text check above does not catch: never echo those.
    if (url.username || url.password) throw new UsageError('an endpoint carries credentials (user:password@host); the probe sends none, leave them out');
    if (url.search || url.hash) throw new UsageError('an endpoint has a query string (not shown: it may carry a token); give only scheme, host and port');
    if (url.pathname !== '' && url.pathname !== '/') throw new UsageError(`${given}: give only scheme, host and port (no path or query)`);
    const host = checkHost(url.hostname.replace(/^\[(.*)\]$/, '$1'), given);
    const port = written ? parsePort(written[1], given) : defaultPort;
    return { scheme: scheme as Scheme, host, port, label: hostLabel(host, port), given };
  }
  if (/[/?#@\s]/.test(text)) throw new UsageError(`${given}: not an endpoint (expected host:port, http://host:port or https://host:port)`);
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  let host: string;
  let port = defaultPort;
  if (bracketed) {
    host = bracketed[1];
    if (isIP(host) !== 6) throw new UsageError(`${given}: "${host}" in brackets is not an IPv6 address`);
    if (bracketed[2] !== undefined) port = parsePort(bracketed[2], given);
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const colon = text.lastIndexOf(':');
    host = colon === -1 ? text : text.slice(0, colon);
    if (colon !== -1) port = parsePort(text.slice(colon + 1), given);
  }
  host = checkHost(host, given);
  return { host, port, label: hostLabel(host, port), given };
}

/** A kubelet host: a name or address without a port (the ports come from --port and --read-only-port). */
export function parseHost(given: string): string {
  const text = given.trim();
  if (text === '') throw new UsageError('an empty host was given');
  refuseSecrets(text, 'a host');
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) throw new UsageError(`${given}: give a host name or IP address, without a scheme (the ports are set with --port and --read-only-port)`);
  const unbracketed = text.replace(/^\[(.*)\]$/, '$1');
  if (isIP(unbracketed)) return unbracketed;
  if (text.includes(':')) throw new UsageError(`${given}: give the host without a port; set the ports with --port and --read-only-port`);
  return checkHost(text, given);
}
