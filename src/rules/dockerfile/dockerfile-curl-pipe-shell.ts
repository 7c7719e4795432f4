import { defineRule } from '../define.js';
import { isShell } from '../../sources/shell.js';
import { APPLIES_TO, allInstructions, dockerfile, runPrograms, viewOf } from './shared.js';

const DOWNLOADERS = new Set(['curl', 'wget', 'fetch', 'http', 'https', 'aria2c']);
/** Interpreters that run a script read from standard input. */
const INTERPRETERS = new Set(['python', 'python2', 'python3', 'perl', 'ruby', 'node', 'php', 'pwsh', 'powershell']);

/** The download tool a command runs, if it is one. */
function downloaderOf(words: readonly string[]): string | undefined {
  const w = words.find((x) => DOWNLOADERS.has(x.slice(x.lastIndexOf('/') + 1)));
  return w === undefined ? undefined : w.slice(w.lastIndexOf('/') + 1);
}

function runsInput(name: string): boolean {
  return isShell(name) || name === 'source' || name === '.' || INTERPRETERS.has(name) || /^python3\.\d+$/.test(name);
}

export const dockerfileCurlPipeShell = defineRule({
  id: 'dockerfile-curl-pipe-shell',
  title: 'A downloaded script is piped into a shell',
  severity: 'medium',
  category: 'dockerfile',
  tags: ['dockerfile', 'supply-chain', 'security'],
  appliesTo: APPLIES_TO,
  description:
    '`curl ... | sh` (or wget, into bash, python, ...; also `sh <(curl ...)` and `sh -c "$(curl ...)"` forms that read the ' +
    'download directly) runs whatever the server returns, as the build\'s user, usually root, with nothing checked: a ' +
    'compromised or changed script builds into the image unnoticed, and a download cut short runs half a script. Every stage ' +
    'is judged.',
  remediation: 'Download to a file, verify its checksum or signature (`echo "<sha256>  install.sh" | sha256sum -c -`), then run it; better, install a released, signed package.',
  references: ['https://docs.docker.com/build/building/best-practices/#using-pipes', 'https://docs.docker.com/reference/dockerfile/#add---checksum'],
  check: (resource) => {
    const out = [];
    for (const run of runPrograms(allInstructions(viewOf(resource)))) {
      const name = run.program.name;
      const commands = run.instruction.commands ?? [];
      let tool: string | undefined;
      if (runsInput(name)) {
        // What it reads: the command before a pipe, or a `<(...)` among its arguments.
        for (const i of run.command.inputFrom) tool ??= downloaderOf(commands[i]?.words ?? []);
      }
      if (tool === undefined && (isShell(name) || name === 'eval' || name === 'source' || name === '.')) {
        // A script that is a download's output: `sh -c "$(curl ...)"`, eval "$(wget -O- ...)".
        const c = run.program.args.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a));
        const script = !isShell(name) ? run.program.args.join(' ') : c === -1 ? '' : (run.program.args[c + 1] ?? '');
        const m = /(?:\$\(|`)\s*(?:[\w./-]*\/)?(curl|wget|fetch|aria2c)\b/.exec(script);
        if (m) tool = m[1];
      }
      if (tool !== undefined) out.push({ path: run.commandPointer, message: `${name} runs what ${tool} downloads, unverified` });
    }
    return out;
  },
  examples: {
    valid: [
      dockerfile(`
        FROM debian:12-slim
        RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \\
         && echo "24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d  /tmp/install.sh" | sha256sum -c - \\
         && sh /tmp/install.sh`),
      dockerfile(`
        FROM debian:12-slim
        RUN curl -fsSL https://example.com/key.asc | gpg --dearmor -o /usr/share/keyrings/example.gpg`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM debian:12-slim
          RUN curl -fsSL https://example.com/install.sh | bash -s -- --yes`),
        expect: [{ path: '/stages/0/instructions/1/commands/1', message: 'bash runs what curl downloads' }],
      },
      {
        manifest: dockerfile(`
          FROM alpine:3.20
          RUN wget -qO- https://example.com/get.py | python3 - \\
           && sh -c "$(wget -qO- https://example.com/setup.sh)"`),
        expect: ['/stages/0/instructions/1/commands/1', '/stages/0/instructions/1/commands/2'],
      },
    ],
  },
});
