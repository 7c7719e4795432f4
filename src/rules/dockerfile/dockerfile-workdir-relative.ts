import { defineRule } from '../define.js';
import { APPLIES_TO, DOCKERFILE_BEST_PRACTICES, DOCKERFILE_REFERENCE, allInstructions, dockerfile, viewOf } from './shared.js';

export const dockerfileWorkdirRelative = defineRule({
  id: 'dockerfile-workdir-relative',
  title: 'WORKDIR is a relative path',
  severity: 'low',
  category: 'dockerfile',
  tags: ['dockerfile', 'reliability'],
  appliesTo: APPLIES_TO,
  description:
    'A relative WORKDIR is relative to the previous one, which may come from the base image and change when it does: files ' +
    'land elsewhere and COPY, RUN and the entrypoint look in a directory nobody chose. Paths starting with a variable ' +
    '(`WORKDIR $HOME/app`) and Windows drive paths (`C:\\app`, whose backslash the default escape character eats) are not judged.',
  remediation: 'Give WORKDIR an absolute path (WORKDIR /app).',
  references: [`${DOCKERFILE_REFERENCE}#workdir`, `${DOCKERFILE_BEST_PRACTICES}#workdir`],
  check: (resource) =>
    allInstructions(viewOf(resource)).flatMap(({ instruction, pointer }) => {
      if (instruction.keyword !== 'WORKDIR') return [];
      const dir = (instruction.arguments[0] ?? '').replace(/^["']|["']$/g, '');
      if (dir === '' || dir.startsWith('/') || dir.startsWith('$') || /^[A-Za-z]:/.test(dir) || dir.startsWith('\\')) return [];
      return [{ path: `${pointer}/arguments/0`, message: `WORKDIR ${dir} is relative to the previous working directory` }];
    }),
  examples: {
    valid: [
      dockerfile(`
        FROM node:20-slim
        WORKDIR /app
        WORKDIR $HOME/cache`),
      dockerfile(`
        FROM mcr.microsoft.com/windows/servercore:ltsc2022
        WORKDIR C:\\app`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM node:20-slim
          WORKDIR app`),
        expect: ['/stages/0/instructions/1/arguments/0'],
      },
    ],
  },
});
