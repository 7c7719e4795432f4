import { defineRule } from '../define.js';
import { APPLIES_TO, DOCKERFILE_BEST_PRACTICES, DOCKERFILE_REFERENCE, allInstructions, dockerfile, viewOf } from './shared.js';
import { isRemoteSource, sourcesOf } from './dockerfile-add-remote-url.js';

/** Local archives ADD unpacks (the formats BuildKit recognises: tar, optionally gzip, bzip2, xz or zstd compressed). */
const ARCHIVE = /\.(?:tar|tgz|tbz2?|txz|tzst|tar\.(?:gz|bz2|xz|zst|zstd|lz|lzma))$/i;

export const dockerfileAddInsteadOfCopy = defineRule({
  id: 'dockerfile-add-instead-of-copy',
  title: 'ADD where COPY serves',
  severity: 'low',
  category: 'dockerfile',
  tags: ['dockerfile', 'supply-chain'],
  appliesTo: APPLIES_TO,
  description:
    'ADD does more than copy: it unpacks any local tar archive it is given and fetches URLs, so an ADD of plain files does what ' +
    'COPY does while inviting surprises (a file that happens to be an archive is unpacked, a source that becomes a URL is ' +
    'downloaded). ADD of a local archive, which is what ADD is for, passes; remote sources are dockerfile-add-remote-url\'s. ' +
    'Sources named by a variable are not judged.',
  remediation: 'Use COPY for local files and directories; keep ADD for a local archive you want unpacked.',
  references: [`${DOCKERFILE_REFERENCE}#add`, `${DOCKERFILE_BEST_PRACTICES}#add-or-copy`],
  check: (resource) =>
    allInstructions(viewOf(resource)).flatMap(({ instruction, pointer }) => {
      if (instruction.keyword !== 'ADD' || instruction.heredocs?.length) return [];
      const sources = sourcesOf(instruction.arguments);
      if (sources.length === 0 || sources.some((s) => isRemoteSource(s) || ARCHIVE.test(s) || s.includes('$'))) return [];
      return [{ path: pointer, message: `ADD of ${sources.length === 1 ? `${sources[0]}, which is neither a URL nor an archive to unpack` : `${sources.length} local sources, none of them a URL or an archive to unpack`}: COPY does the same` }];
    }),
  examples: {
    valid: [
      dockerfile(`
        FROM alpine:3.20
        ADD rootfs.tar.xz /
        COPY app /usr/local/bin/app`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM alpine:3.20
          ADD ./config /etc/app/`),
        expect: [{ path: '/stages/0/instructions/1', message: 'ADD of ./config' }],
      },
    ],
  },
});
