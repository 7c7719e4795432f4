/**
 * Judgement of an image's configuration and base: what every container started from it inherits
 * unless the pod overrides it. Findings point into the image configuration JSON (`/config/User`,
 * `/config/Env/3`, `/history/5/created_by`) and never contain a secret's value.
 */
import { detectSecrets, type SecretHit } from '../core/secrets-detect.js';
import type { Severity } from '../core/types.js';
import type { OperatingSystem } from '../packages/model.js';
import { endOfLife, isPastEndOfLife } from './eol.js';
import type { ImageConfig } from './sources.js';

export interface ImageCheck {
  id: string;
  severity: Severity;
  title: string;
  remediation: string;
}

export const IMAGE_CHECKS = {
  root: {
    id: 'image-runs-as-root',
    severity: 'medium',
    title: 'the image runs as root',
    remediation: 'Set a numeric non-root USER in the Dockerfile (e.g. USER 10001); pods can still set runAsUser, but the image should not depend on it.',
  },
  port: {
    id: 'image-exposed-port',
    severity: 'info',
    title: 'the image exposes a port',
    remediation: 'Expose only the ports the application serves; remove EXPOSE lines for anything else.',
  },
  ssh: {
    id: 'image-exposes-ssh',
    severity: 'medium',
    title: 'the image exposes the SSH port',
    remediation: 'Do not run an SSH server in a container: use kubectl exec or debug containers, and remove EXPOSE 22.',
  },
  envSecret: {
    id: 'image-secret-in-env',
    severity: 'high',
    title: 'a secret in the image environment',
    remediation: 'Remove the value from ENV/ARG and rotate it: anyone who can pull the image can read its configuration. Inject secrets at run time (Kubernetes Secrets) or use build secrets (RUN --mount=type=secret).',
  },
  historySecret: {
    id: 'image-secret-in-history',
    severity: 'high',
    title: 'a secret in the image build history',
    remediation: 'Rebuild without passing the secret as a build argument or writing it in a RUN line, and rotate it: the history is part of the image. Use build secrets (RUN --mount=type=secret).',
  },
  eol: {
    id: 'image-base-os-end-of-life',
    severity: 'high',
    title: 'the base operating system is past its end of life',
    remediation: 'Rebuild on a supported release of the distribution: an end-of-life release gets no security fixes.',
  },
} as const satisfies Record<string, ImageCheck>;

export interface ImageFinding {
  rule: string;
  severity: Severity;
  message: string;
  /** JSON Pointer into the image configuration; "" for findings about the file system (the OS release). */
  path: string;
  remediation: string;
}

/** The user part of User ("uid", "uid:gid", "name", "name:group"): root when empty, 0 or root. */
export function runsAsRoot(user: string | undefined): boolean {
  const u = (user ?? '').trim().split(':')[0];
  return u === '' || u === 'root' || /^0+$/.test(u);
}

function describeHit(hit: SecretHit): string {
  return `${hit.label}${hit.setting ? ` in setting ${hit.setting}` : ''}${hit.decoded ? ' (base64-encoded)' : ''}`;
}

/** KEY=value words of a shell-ish line (BuildKit writes build arguments as "|2 KEY=value KEY2=value /bin/sh -c ..."). */
function assignments(line: string): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  const re = /(?:^|[\s;&|])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]{0,120})=("[^"]*"|'[^']*'|[^\s;&|]+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push({ key: m[1], value: m[2].replace(/^(["'])(.*)\1$/, '$2') });
  return out;
}

const pointerToken = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

export function checkImage(config: ImageConfig | undefined, os: OperatingSystem | undefined, now: Date = new Date()): ImageFinding[] {
  const findings: ImageFinding[] = [];
  const add = (check: ImageCheck, path: string, message: string): void => {
    findings.push({ rule: check.id, severity: check.severity, message, path, remediation: check.remediation });
  };
  if (config) {
    const c = config.config ?? {};
    if (runsAsRoot(c.User)) add(IMAGE_CHECKS.root, c.User === undefined ? '/config' : '/config/User', c.User?.trim() ? `the image runs as ${JSON.stringify(c.User)}, which is root` : 'the image sets no user, so it runs as root');
    for (const port of Object.keys(c.ExposedPorts ?? {}).sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || (a < b ? -1 : 1))) {
      const path = `/config/ExposedPorts/${pointerToken(port)}`;
      if (/^22(\/tcp)?$/.test(port)) add(IMAGE_CHECKS.ssh, path, `the image exposes ${port} (SSH)`);
      else add(IMAGE_CHECKS.port, path, `the image exposes ${port}`);
    }
    const flaggedEnv = new Set<string>();
    (c.Env ?? []).forEach((entry, i) => {
      if (typeof entry !== 'string') return;
      const eq = entry.indexOf('=');
      const key = eq === -1 ? entry : entry.slice(0, eq);
      const value = eq === -1 ? '' : entry.slice(eq + 1);
      const hit = detectSecrets(key, value)[0];
      if (!hit) return;
      flaggedEnv.add(`${key}=${value}`);
      add(IMAGE_CHECKS.envSecret, `/config/Env/${i}`, `environment variable ${key} holds ${describeHit(hit)}; its value is readable by anyone who can pull the image`);
    });
    (config.history ?? []).forEach((h, i) => {
      const line = h?.created_by;
      if (typeof line !== 'string' || line === '') return;
      const hits: string[] = [];
      const seen = new Set<string>();
      for (const { key, value } of assignments(line)) {
        // An ENV line is the same value as the Env entry already reported: one cause, one finding.
        if (flaggedEnv.has(`${key}=${value}`)) {
          seen.add(value);
          continue;
        }
        const hit = detectSecrets(key, value)[0];
        if (hit && !seen.has(hit.secret)) {
          seen.add(hit.secret);
          hits.push(`${key} (${describeHit(hit)})`);
        }
      }
      for (const hit of detectSecrets(undefined, line, { decode: false })) {
        if ([...seen].some((s) => s.includes(hit.secret) || hit.secret.includes(s))) continue;
        seen.add(hit.secret);
        hits.push(describeHit(hit));
      }
      if (hits.length > 0) add(IMAGE_CHECKS.historySecret, `/history/${i}/created_by`, `build step ${i} of the history records ${hits.join(', ')}; the history is readable by anyone who can pull the image`);
    });
  }
  const eol = endOfLife(os);
  if (eol && isPastEndOfLife(eol, now)) {
    const name = os?.prettyName && os.versionId && os.prettyName.includes(os.versionId) ? os.prettyName : eol.release;
    add(IMAGE_CHECKS.eol, '', `the base operating system, ${name}, reached the end of its security support on ${eol.date}`);
  }
  return findings;
}
