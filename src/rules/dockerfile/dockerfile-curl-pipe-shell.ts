import { defineRule } from '../define.js';
import { isShell } from '../../sources/shell.js';
import { APPLIES_TO, allInstructions, dockerfile, runPrograms, viewOf } from './shared.js';

const DOWNLOADERS = new Set(['curl', 'wget', 'fetch', 'http', 'https', 'aria2c']);
/** Interpreters that run a script read from standard input. */
const INTERPRETERS = new Set(['python', 'python2', 'python3', 'perl', 'ruby', 'node', 'php', 'pwsh', 'powershell']);

function runsInput(name: string): boolean {
  return isShell(name) || INTERPRETERS.has(name) || /^python3\.\d+$/.test(name);
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
    const seen = new Set<string>();
    for (const run of runPrograms(allInstructions(viewOf(resource)))) {
      if (!runsInput(run.program.name)) continue;
      const commands = run.instruction.commands ?? [];
      // What the interpreter reads: the command before a pipe, a `<(...)`; a script argument `-c "$(curl ...)"` is parsed as nested commands of it.
      const feeders = run.command.inputFrom.map((i) => commands[i]).filter((c) => c !== undefined);
      const nested = commands.filter((c) => c.parent === run.k);
      const downloads = [...feeders, ...nested.filter((c) => c.words.some((w) => DOWNLOADERS.has(w)))];
      const download = downloads.find((c) => c.words.some((w) => DOWNLOADERS.has(w.slice(w.lastIndexOf('/') + 1))));
      if (!download) continue;
      const key = `${run.pointer}/${run.k}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const tool = download.words.find((w) => DOWNLOADERS.has(w.slice(w.lastIndexOf('/') + 1)))!;
      out.push({ path: run.commandPointer, message: `${run.program.name} runs what ${tool.slice(tool.lastIndexOf('/') + 1)} downloads, unverified` });
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
