import { defineRule } from '../define.js';
import { APPLIES_TO, DOCKERFILE_REFERENCE, allInstructions, dockerfile, runPrograms, viewOf } from './shared.js';

/** Whether a chmod mode gives others write permission: octal with the others' write bit, or a symbolic o+w / a+w / +w. */
export function worldWritable(mode: string): boolean {
  if (/^[0-7]{3,4}$/.test(mode)) return (Number.parseInt(mode.slice(-1), 8) & 2) !== 0;
  return mode.split(',').some((clause) => {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause);
    if (!m || m[2] === '-' || !m[3].includes('w')) return false;
    // No who, or "a", or "o": others get write (an empty who applies the umask, which build shells leave at 022, so only o/a count).
    return m[1].includes('o') || m[1].includes('a');
  });
}

/** A four-digit mode with the sticky bit (1777, 3777): a shared directory like /tmp, where each user's files stay theirs. */
function sticky(mode: string): boolean {
  return /^[0-7]{4}$/.test(mode) && (Number.parseInt(mode[0], 8) & 1) === 1;
}

export const dockerfileChmodWorldWritable = defineRule({
  id: 'dockerfile-chmod-world-writable',
  title: 'Files made world-writable (chmod 777)',
  severity: 'medium',
  category: 'dockerfile',
  tags: ['dockerfile', 'security'],
  appliesTo: APPLIES_TO,
  description:
    '`chmod 777`, `chmod o+w` or `COPY --chmod=777` lets every user in the container rewrite the files: a compromised process ' +
    'of any user can replace the application\'s code or configuration, and an executable written by one user and run by ' +
    'another (root at start, a sidecar) becomes an escalation. It is nearly always a workaround for a file owned by the wrong ' +
    'user. Sticky directories (1777 or 3777, like /tmp) are not reported. Every stage is judged.',
  remediation: 'Give the files to the user that needs them (`COPY --chown=app:app`, `chown`) with a mode such as 755 or 644, and use a volume (emptyDir) for what must be written at run time.',
  references: [`${DOCKERFILE_REFERENCE}#copy---chmod`, 'https://man7.org/linux/man-pages/man1/chmod.1.html'],
  check: (resource) => {
    const view = viewOf(resource);
    const out = [];
    for (const run of runPrograms(allInstructions(view))) {
      if (run.program.name !== 'chmod') continue;
      // The mode is the first word that is not an option (a mode starting with "-" only removes bits).
      const mode = run.program.args.find((a) => !a.startsWith('-'));
      if (mode === undefined || sticky(mode) || !worldWritable(mode)) continue;
      out.push({ path: run.commandPointer, message: `chmod ${mode} makes files writable by every user` });
    }
    for (const { instruction, pointer } of allInstructions(view)) {
      if (instruction.keyword !== 'COPY' && instruction.keyword !== 'ADD') continue;
      instruction.flags.forEach((f, k) => {
        if (f.name === 'chmod' && f.value !== undefined && !sticky(f.value) && worldWritable(f.value)) out.push({ path: `${pointer}/flags/${k}`, message: `${instruction.keyword} --chmod=${f.value} makes files writable by every user` });
      });
    }
    return out;
  },
  examples: {
    valid: [
      dockerfile(`
        FROM debian:12-slim
        COPY --chown=app:app --chmod=755 entrypoint.sh /usr/local/bin/
        RUN chmod 1777 /scratch && chmod -R go-w /srv && chmod u+x /usr/local/bin/entrypoint.sh`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM debian:12-slim
          RUN mkdir -p /data && chmod -R 777 /data
          COPY --chmod=0666 settings.ini /etc/app/`),
        expect: [
          { path: '/stages/0/instructions/1/commands/1', message: 'chmod 777' },
          { path: '/stages/0/instructions/2/flags/0', message: '--chmod=0666' },
        ],
      },
      {
        manifest: dockerfile(`
          FROM alpine:3.20
          RUN chmod a+rwx /opt/app`),
        expect: ['/stages/0/instructions/1/commands/0'],
      },
    ],
  },
});
