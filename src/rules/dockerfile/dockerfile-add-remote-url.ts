import { defineRule } from '../define.js';
import { APPLIES_TO, DOCKERFILE_BEST_PRACTICES, DOCKERFILE_REFERENCE, allInstructions, dockerfile, flagValues, viewOf } from './shared.js';

/** A source ADD fetches over the network: a URL, or a Git repository. */
export function isRemoteSource(source: string): boolean {
  return /^(?:https?|git|ssh):\/\//i.test(source) || /^git@[^:]+:/.test(source);
}

/** The sources of an ADD or COPY (every argument but the last, the destination). */
export function sourcesOf(args: readonly string[]): string[] {
  return args.length > 1 ? args.slice(0, -1) : [];
}

export const dockerfileAddRemoteUrl = defineRule({
  id: 'dockerfile-add-remote-url',
  title: 'ADD downloads from a URL without a checksum',
  severity: 'medium',
  category: 'dockerfile',
  tags: ['dockerfile', 'supply-chain', 'security'],
  appliesTo: APPLIES_TO,
  description:
    'ADD of a URL puts whatever the server returns at build time into the image, unverified: a compromised or changed download ' +
    'ships silently, and the file is not even unpacked the way a local archive is. ADD --checksum=sha256:... (BuildKit) pins ' +
    'the content and passes; a Git source (ADD git@... or https://...git) pinned to a commit with --checksum passes too. Every ' +
    'stage is judged: a tool downloaded into a build stage builds what ships.',
  remediation:
    'Add `--checksum=sha256:<digest>` to the ADD, or download in a RUN that verifies the file (`curl -fsSLo tool.tgz URL && echo "<sha256>  tool.tgz" | sha256sum -c -`).',
  references: [`${DOCKERFILE_REFERENCE}#add`, `${DOCKERFILE_REFERENCE}#add---checksum`, `${DOCKERFILE_BEST_PRACTICES}#add-or-copy`],
  check: (resource) =>
    allInstructions(viewOf(resource)).flatMap(({ instruction, pointer }) => {
      if (instruction.keyword !== 'ADD' || flagValues(instruction, 'checksum').some((v) => v !== '')) return [];
      return sourcesOf(instruction.arguments).flatMap((source, k) =>
        isRemoteSource(source) ? [{ path: `${pointer}/arguments/${k}`, message: `ADD downloads ${shownUrl(source)} with no --checksum: the content is whatever the server returns at build time` }] : [],
      );
    }),
  examples: {
    valid: [
      dockerfile(`
        # syntax=docker/dockerfile:1
        FROM debian:12-slim
        ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool-1.2.3.tar.gz /tmp/`),
      dockerfile(`
        FROM debian:12-slim
        ADD vendor.tar.gz /opt/vendor/`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM debian:12-slim
          ADD https://example.com/install.sh /tmp/install.sh
          RUN sh /tmp/install.sh`),
        expect: [{ path: '/stages/0/instructions/1/arguments/0', message: 'ADD downloads https://example.com/install.sh' }],
      },
    ],
  },
});

/** A URL as shown in messages: user information and query (where tokens travel) elided. */
export function shownUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//…@').replace(/\?.*$/, '?…');
}
