import { defineRule } from '../define.js';
import { APPLIES_TO, allInstructions, dockerfile, envAndArgs, packageCommand, runPrograms, viewOf } from './shared.js';

/** Options that turn certificate or signature checks off, by program. */
const INSECURE_OPTIONS: Record<string, (args: string[]) => string | undefined> = {
  curl: (args) => args.find((a) => a === '--insecure' || curlShortInsecure(a)),
  wget: (args) => args.find((a) => a === '--no-check-certificate'),
  pip: (args) => pipTrusted(args),
  pip3: (args) => pipTrusted(args),
  git: (args) => args.find((a, i) => /^http\.sslverify=false$/i.test(a) && args[i - 1] === '-c') ?? (args.includes('config') && args.some((a) => /^http\.sslverify$/i.test(a)) && args.includes('false') ? 'http.sslVerify false' : undefined),
  npm: (args) => (args.includes('config') && args.includes('strict-ssl') && args.includes('false') ? 'strict-ssl false' : args.find((a) => a === '--strict-ssl=false')),
  yarn: (args) => (args.includes('config') && args.includes('strict-ssl') && args.includes('false') ? 'strict-ssl false' : undefined),
  rpm: (args) => args.find((a) => a === '--nosignature' || a === '--nodigest'),
};

/** A cluster of curl's short options holding -k, every option before it one that takes no value (`-fsSLk`, not `-ubackup`). */
function curlShortInsecure(word: string): boolean {
  const m = /^-([A-Za-z0-9]+)$/.exec(word);
  if (!m) return false;
  const k = m[1].indexOf('k');
  return k !== -1 && [...m[1].slice(0, k)].every((c) => CURL_FLAGS.includes(c));
}
const CURL_FLAGS = 'fsSLvIiONnGgqlRZjJ0123456';

function pipTrusted(args: string[]): string | undefined {
  const i = args.findIndex((a) => a === '--trusted-host' || a.startsWith('--trusted-host='));
  return i === -1 ? undefined : args[i].includes('=') ? args[i] : `--trusted-host ${args[i + 1] ?? ''}`.trim();
}

/** Package manager options that install unsigned or unverified packages. */
function unsignedPackages(program: { name: string; args: string[] }): string | undefined {
  const pkg = packageCommand(program);
  if (!pkg) return undefined;
  return pkg.options.find(
    (o) =>
      o === '--allow-unauthenticated' ||
      o === '--force-yes' ||
      o === '--allow-untrusted' ||
      o === '--nogpgcheck' ||
      o === '--no-gpg-checks' ||
      /^-o=Acquire::https?::Verify-(?:Peer|Host)=(?:false|0)$/i.test(o) ||
      /^-o=APT::Get::AllowUnauthenticated=(?:true|1)$/i.test(o),
  );
}

/** Variables that turn TLS verification off for every tool of a language. */
const INSECURE_VARIABLES: Record<string, RegExp> = {
  NODE_TLS_REJECT_UNAUTHORIZED: /^0$/,
  GIT_SSL_NO_VERIFY: /^(?:1|true|yes)$/i,
  PYTHONHTTPSVERIFY: /^0$/,
  CURL_INSECURE: /^(?:1|true)$/i,
  NPM_CONFIG_STRICT_SSL: /^false$/i,
  PIP_TRUSTED_HOST: /./,
  GOINSECURE: /./,
  GOSUMDB: /^off$/i,
  GOFLAGS: /-insecure\b/,
};

export const dockerfileTlsVerificationDisabled = defineRule({
  id: 'dockerfile-tls-verification-disabled',
  title: 'Downloads with TLS or signature checks turned off',
  severity: 'medium',
  category: 'dockerfile',
  tags: ['dockerfile', 'supply-chain', 'security'],
  appliesTo: APPLIES_TO,
  description:
    'A build step that turns off certificate or package signature checks (curl -k, wget --no-check-certificate, pip ' +
    '--trusted-host, git http.sslVerify=false, npm strict-ssl false, apt --allow-unauthenticated, apk --allow-untrusted, ' +
    'dnf/yum --nogpgcheck, rpm --nosignature) or an ENV/ARG that does it for every tool (NODE_TLS_REJECT_UNAUTHORIZED=0, ' +
    'GIT_SSL_NO_VERIFY, PYTHONHTTPSVERIFY=0, GOINSECURE, GOSUMDB=off) accepts whatever a machine in the middle serves: ' +
    'anyone on the build network can put code in the image. An ENV also keeps it off at run time. Every stage is judged.',
  remediation: 'Remove the option; if a proxy re-signs TLS, add its CA certificate to the image (update-ca-certificates) instead; import the signing key of a third-party repository.',
  references: ['https://docs.docker.com/build/building/best-practices/', 'https://pip.pypa.io/en/stable/cli/pip/#cmdoption-trusted-host'],
  check: (resource) => {
    const view = viewOf(resource);
    const out = [];
    for (const run of runPrograms(allInstructions(view))) {
      const name = run.program.name.replace(/^python3?(?:\.\d+)?$/, 'python');
      const args = name === 'python' && run.program.args[0] === '-m' && /^pip3?$/.test(run.program.args[1] ?? '') ? run.program.args.slice(2) : run.program.args;
      const tool = name === 'python' && args !== run.program.args ? 'pip' : run.program.name;
      const option = INSECURE_OPTIONS[tool]?.(args) ?? unsignedPackages(run.program);
      if (option !== undefined) out.push({ path: run.commandPointer, message: `${tool} runs with ${option}: certificates or signatures are not checked` });
    }
    for (const p of envAndArgs(view)) {
      const test = INSECURE_VARIABLES[p.name];
      if (test && p.value !== undefined && test.test(p.value.trim())) out.push({ path: `${p.pointer}/value`, message: `${p.keyword} ${p.name}=${p.value.trim()} turns certificate or checksum verification off` });
    }
    return out;
  },
  examples: {
    valid: [
      dockerfile(`
        FROM python:3.12-slim
        COPY corp-ca.crt /usr/local/share/ca-certificates/
        RUN update-ca-certificates && pip install --no-cache-dir -r requirements.txt && curl -fsSL https://example.com/ -o /tmp/x`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM python:3.12-slim
          ENV NODE_TLS_REJECT_UNAUTHORIZED=0
          RUN curl -fsSLk https://example.com/tool -o /usr/local/bin/tool \\
           && python3 -m pip install --trusted-host pypi.internal -r requirements.txt`),
        expect: [
          { path: '/stages/0/instructions/2/commands/0', message: 'curl runs with -fsSLk' },
          { path: '/stages/0/instructions/2/commands/1', message: 'pip runs with --trusted-host pypi.internal' },
          { path: '/stages/0/instructions/1/properties/0/value', message: 'NODE_TLS_REJECT_UNAUTHORIZED=0' },
        ],
      },
      {
        manifest: dockerfile(`
          FROM alpine:3.20
          RUN apk add --no-cache --allow-untrusted /tmp/custom.apk`),
        expect: [{ path: '/stages/0/instructions/1/commands/0', message: 'apk runs with --allow-untrusted' }],
      },
    ],
  },
});
