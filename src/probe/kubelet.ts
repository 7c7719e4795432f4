/**
 * `kshield probe kubelet`: from the network and without any credential, does a kubelet serve
 * its read-only port (CIS 4.2.4: plaintext, no authentication, pod specs for anyone), and does
 * its authenticated port answer anonymous requests (CIS 4.2.1 anonymous auth, 4.2.2 authorization)?
 * Only GETs are sent; answers are measured and recognised, never shown.
 */
import { attempt, describeCertificate, describeFailure, describeSize, type Attempt } from './http.js';
import { hostLabel } from './endpoint.js';
import { UNREACHABLE_REMEDIATION, type ProbeCheck, type ProbeTiming } from './report.js';

type Answer = Extract<Attempt, { kind: 'answer' }>;

export const KUBELET_CHECKS = {
  readOnly: {
    id: '4.2.4',
    title: 'The kubelet read-only port is closed',
    remediation: 'set readOnlyPort: 0 in the kubelet configuration file (or --read-only-port=0) and restart the kubelet',
  },
  anonymous: {
    id: '4.2.1',
    title: 'The kubelet API refuses anonymous requests',
    remediation:
      'set authentication.anonymous.enabled: false and authorization.mode: Webhook in the kubelet configuration file (or --anonymous-auth=false --authorization-mode=Webhook), with authentication.x509.clientCAFile set',
  },
} as const;

/** What the read-only port serves; both are open to anyone who reaches the port. */
const READ_ONLY_PATHS = ['/pods', '/metrics'];
/** Anonymous requests on the authenticated port: pod specs, the pods the runtime runs, the kubelet's configuration. */
const SECURE_PATHS = ['/pods', '/runningpods/', '/configz'];

export interface KubeletPorts {
  secure: number;
  readOnly: number;
}

/** "a PodList" / "the kubelet configuration": recognised from the first bytes, nothing more. */
function recognise(a: Answer): string | undefined {
  if (a.status !== 200) return undefined;
  if (/^\s*\{\s*"kind"\s*:\s*"PodList"/.test(a.head)) return 'a PodList';
  if (/^\s*\{\s*"kubeletconfig"\s*:/.test(a.head)) return 'the kubelet configuration';
  if (/^# (HELP|TYPE) /m.test(a.head)) return 'Prometheus metrics';
  return undefined;
}

function describeAnswer(a: Attempt, timing: ProbeTiming): string {
  if (a.kind === 'failure') return `GET ${a.request.path}: ${describeFailure(a, timing.timeoutText)}`;
  const what = recognise(a);
  return `GET ${a.request.path} answered ${a.status} (${describeSize(a)}${what ? `, ${what}` : ''})`;
}

function check(which: keyof typeof KUBELET_CHECKS, label: string, status: ProbeCheck['status'], evidence: string, remediation: string = KUBELET_CHECKS[which].remediation): ProbeCheck {
  const def = KUBELET_CHECKS[which];
  return { id: def.id, title: def.title, status, evidence, remediation, endpoint: label };
}

const unreachableAttempt = (a: Attempt): boolean => a.kind === 'failure' && (a.stage === 'dns' || a.stage === 'connect');

const isAnswer = (a: Attempt): a is Answer => a.kind === 'answer';

function judgeReadOnlyPort(host: string, port: number, answers: Attempt[], timing: ProbeTiming): ProbeCheck {
  const where = hostLabel(host, port);
  const shown = answers.map((a) => describeAnswer(a, timing)).join('; ');
  const first = answers[0];
  if (answers.some((a) => isAnswer(a) && a.status === 200)) {
    return check('readOnly', host, 'fail', `${where} over plaintext HTTP, no credentials: ${shown}: open to anyone who reaches the port`);
  }
  if (first.kind === 'failure' && first.reason === 'refused') return check('readOnly', host, 'pass', `${where}: connection refused: nothing listens on the read-only port`);
  if (answers.every(isAnswer)) {
    return check('readOnly', host, 'warn', `${where}: ${shown}: something answers HTTP there but serves neither /pods nor /metrics; inconclusive`);
  }
  if (unreachableAttempt(first)) return check('readOnly', host, 'warn', `${where}: unreachable: ${shown}`, UNREACHABLE_REMEDIATION);
  return check('readOnly', host, 'warn', `${where}: ${shown}; inconclusive`);
}

function judgeSecurePort(host: string, port: number, answers: Attempt[], timing: ProbeTiming): ProbeCheck {
  const where = hostLabel(host, port);
  const shown = answers.map((a) => describeAnswer(a, timing)).join('; ');
  const answered = answers.filter(isAnswer);
  const cert = describeCertificate(answered[0]?.certificate);
  const withCert = cert ? `; ${cert}` : '';
  const first = answers[0];
  if (answered.some((a) => a.status === 200)) {
    return check('anonymous', host, 'fail', `${where} over TLS, no credentials: ${shown}: anonymous requests are authenticated and authorized (CIS 4.2.1 anonymous auth, 4.2.2 authorization mode)${withCert}`);
  }
  const statuses = answered.map((a) => a.status);
  if (answered.length > 0 && statuses.every((s) => s === 401 || s === 403 || s === 404) && statuses.some((s) => s === 401 || s === 403)) {
    const meaning = statuses.includes(403)
      ? 'refused; 403 means anonymous requests are authenticated as system:anonymous and stopped only by authorization (anonymous auth off would stop them with 401)'
      : 'refused: anonymous authentication is off';
    return check('anonymous', host, 'pass', `${where} over TLS, no credentials: ${shown}: ${meaning}${withCert}`);
  }
  if (first.kind === 'failure' && first.reason === 'tls-alert') {
    return check('anonymous', host, 'pass', `${where}: ${describeFailure(first, timing.timeoutText)}: nothing is served without a client certificate`);
  }
  if (answered.length > 0) return check('anonymous', host, 'warn', `${where} over TLS: ${shown}: not the answers of a kubelet; inconclusive${withCert}`);
  if (unreachableAttempt(first)) return check('anonymous', host, 'warn', `${where}: unreachable: ${shown}`, UNREACHABLE_REMEDIATION);
  return check('anonymous', host, 'warn', `${where}: ${shown}; inconclusive`);
}

/** Probes one kubelet host on both ports at once; ends by `timing.timeoutMs` after it starts. */
export async function probeKubelet(host: string, ports: KubeletPorts, timing: ProbeTiming): Promise<ProbeCheck[]> {
  const deadline = Date.now() + timing.timeoutMs;
  const get = (scheme: 'http' | 'https', port: number, path: string): Promise<Attempt> => attempt({ host, port }, { scheme, method: 'GET', path, deadline });
  /** The first path tells whether the port is there at all; the rest are asked only if it is. */
  const askAll = async (scheme: 'http' | 'https', port: number, paths: string[]): Promise<Attempt[]> => {
    const first = await get(scheme, port, paths[0]);
    if (first.kind === 'failure') return [first];
    return [first, ...(await Promise.all(paths.slice(1).map((p) => get(scheme, port, p))))];
  };
  const [readOnly, secure] = await Promise.all([askAll('http', ports.readOnly, READ_ONLY_PATHS), askAll('https', ports.secure, SECURE_PATHS)]);
  return [judgeReadOnlyPort(host, ports.readOnly, readOnly, timing), judgeSecurePort(host, ports.secure, secure, timing)];
}
