import { defineRule } from '../define.js';
import { APPLIES_TO, DOCKERFILE_BEST_PRACTICES, dockerfile, finalImageInstructions, mountsAt, packageCommand, programsOfRun, removesBelow, runPrograms, viewOf } from './shared.js';

const LISTS = '/var/lib/apt/lists';

export const dockerfileAptListsNotCleaned = defineRule({
  id: 'dockerfile-apt-lists-not-cleaned',
  title: 'apt lists left in the image',
  severity: 'low',
  category: 'dockerfile',
  tags: ['dockerfile', 'supply-chain'],
  appliesTo: APPLIES_TO,
  description:
    '`apt-get update` downloads the package lists into /var/lib/apt/lists (tens of megabytes). Unless the same RUN removes them, ' +
    'they stay in that layer for good (a later RUN that deletes them only hides them), and a stale copy invites a later ' +
    '`apt-get install` without an update to install outdated packages. Only the stages of the final image are judged; a RUN ' +
    'that mounts a BuildKit cache at /var/lib/apt/lists keeps them out of the layer and passes.',
  remediation: 'End the RUN that runs `apt-get update` with `&& rm -rf /var/lib/apt/lists/*`, or mount a cache there (`RUN --mount=type=cache,target=/var/lib/apt/lists ...`).',
  references: [`${DOCKERFILE_BEST_PRACTICES}#apt-get`],
  check: (resource) => {
    const out = [];
    for (const run of runPrograms(finalImageInstructions(viewOf(resource)))) {
      const pkg = packageCommand(run.program);
      if (!pkg || !['apt-get', 'apt', 'aptitude'].includes(pkg.manager) || pkg.subcommand !== 'update') continue;
      if (mountsAt(run.instruction, [LISTS, '/var/lib/apt']) || removesBelow(programsOfRun(run.instruction), [LISTS, '/var/lib/apt'])) continue;
      out.push({ path: run.commandPointer, message: `${pkg.manager} update leaves the package lists in ${LISTS} in this layer: the same RUN does not remove them` });
    }
    return out;
  },
  examples: {
    valid: [
      dockerfile(`
        FROM debian:12-slim
        RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*`),
      dockerfile(`
        # syntax=docker/dockerfile:1
        FROM debian:12-slim
        RUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt/lists \\
            apt-get update && apt-get install -y --no-install-recommends curl`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM debian:12-slim
          RUN apt-get update && apt-get install -y --no-install-recommends curl && apt-get clean
          RUN rm -rf /var/lib/apt/lists/*`),
        expect: [{ path: '/stages/0/instructions/1/commands/0', message: 'the same RUN does not remove them' }],
      },
    ],
  },
});
