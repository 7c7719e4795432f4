import { defineRule } from '../define.js';
import { APPLIES_TO, DOCKERFILE_BEST_PRACTICES, dockerfile, finalImageInstructions, mountsAt, packageCommand, programsOfRun, removesBelow, runPrograms, viewOf } from './shared.js';

export const dockerfileApkNoCache = defineRule({
  id: 'dockerfile-apk-no-cache',
  title: 'apk add without --no-cache',
  severity: 'low',
  category: 'dockerfile',
  tags: ['dockerfile', 'supply-chain'],
  appliesTo: APPLIES_TO,
  description:
    '`apk add` without --no-cache keeps the package index it fetched in /var/cache/apk, in that layer for good. --no-cache ' +
    'fetches a fresh index and keeps nothing, so a later install cannot pick outdated packages from a stale one. Only the ' +
    'stages of the final image are judged; removing /var/cache/apk in the same RUN, or mounting a cache there, passes.',
  remediation: 'Use `apk add --no-cache <packages>` (and drop a separate `apk update`).',
  references: ['https://wiki.alpinelinux.org/wiki/Alpine_Package_Keeper', `${DOCKERFILE_BEST_PRACTICES}`],
  check: (resource) => {
    const out = [];
    for (const run of runPrograms(finalImageInstructions(viewOf(resource)))) {
      const pkg = packageCommand(run.program);
      if (!pkg || pkg.manager !== 'apk' || pkg.subcommand !== 'add' || pkg.options.includes('--no-cache')) continue;
      if (mountsAt(run.instruction, ['/var/cache/apk', '/etc/apk/cache']) || removesBelow(programsOfRun(run.instruction), ['/var/cache/apk', '/etc/apk/cache'])) continue;
      out.push({ path: run.commandPointer, message: 'apk add without --no-cache keeps the package index in /var/cache/apk in this layer' });
    }
    return out;
  },
  examples: {
    valid: [
      dockerfile(`
        FROM alpine:3.20
        RUN apk add --no-cache ca-certificates tzdata`),
      dockerfile(`
        FROM alpine:3.20
        RUN apk update && apk add ca-certificates && rm -rf /var/cache/apk/*`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM alpine:3.20
          RUN apk update && apk add --virtual .build-deps gcc musl-dev`),
        expect: ['/stages/0/instructions/1/commands/1'],
      },
    ],
  },
});
