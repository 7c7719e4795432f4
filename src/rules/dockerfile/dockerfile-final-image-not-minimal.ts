import { defineRule } from '../define.js';
import { fullName } from '../../k8s/images.js';
import { APPLIES_TO, DOCKERFILE_BEST_PRACTICES, dockerfile, finalImageInstructions, finalImageStages, packageCommand, packageName, programsOfRun, runPrograms, viewOf, type InstructionView, type PackageCommand } from './shared.js';

/** Docker Hub official images that are compilers and build tools: nothing a program built with them needs at run time. */
const TOOLCHAIN_IMAGES = new Set(['golang', 'rust', 'maven', 'gradle', 'gcc', 'buildpack-deps', 'sbt', 'haskell', 'swift', 'elixir', 'clojure']);
/** Full distribution images, each with a slim or distroless counterpart. */
const FULL_DISTRIBUTIONS = new Set(['ubuntu', 'debian', 'fedora', 'centos', 'rockylinux', 'almalinux', 'amazonlinux', 'oraclelinux', 'opensuse/leap', 'opensuse/tumbleweed', 'archlinux']);
/** Language images whose default variants carry a full distribution with compilers ("slim" and "alpine" variants do not). */
const LANGUAGE_IMAGES = new Set(['node', 'python', 'ruby', 'openjdk', 'eclipse-temurin', 'php', 'perl']);

/** Why a base is more than a program needs at run time, or undefined when it is a slim, minimal or unknown base. */
function fullBase(repository: string, registry: string, tag: string): string | undefined {
  if (registry !== 'docker.io' || !repository.startsWith('library/') && !repository.startsWith('opensuse/')) return undefined;
  const name = repository.replace(/^library\//, '');
  if (/slim|alpine|distroless|minimal|micro|jre|nano|busybox/.test(tag)) return undefined;
  if (TOOLCHAIN_IMAGES.has(name)) return 'a compiler toolchain image';
  if (FULL_DISTRIBUTIONS.has(name)) return 'a full distribution image (package manager, shell and utilities)';
  if (LANGUAGE_IMAGES.has(name)) return 'a full language image (compilers, package manager, shell)';
  return undefined;
}

/** Network tools an attacker uses to fetch the next stage of an attack. */
const DOWNLOAD_TOOLS = new Set(['curl', 'wget', 'netcat', 'netcat-openbsd', 'netcat-traditional', 'ncat', 'nmap', 'socat', 'telnet', 'openssh-client', 'ftp']);

/**
 * Whether the same RUN takes back what it installed, the way official images fetch with temporary
 * packages: `apk add --virtual .fetch-deps wget ... && apk del .fetch-deps`, or apt-mark auto followed
 * by `apt-get purge --auto-remove` (or autoremove), which removes every package not marked manual.
 */
function removedAgain(instruction: InstructionView, pkg: PackageCommand): boolean {
  const programs = programsOfRun(instruction);
  const virtual = pkg.options.find((o) => o.startsWith('--virtual=') || o.startsWith('-t='))?.replace(/^[^=]*=/, '');
  if (virtual !== undefined && programs.some((p) => p.name === 'apk' && p.args.includes('del') && p.args.includes(virtual))) return true;
  const marksAuto = programs.some((p) => p.name === 'apt-mark' && p.args[0] === 'auto');
  return marksAuto && programs.some((p) => ['apt-get', 'apt'].includes(p.name) && (p.args.includes('autoremove') || (p.args.includes('purge') && (p.args.includes('--auto-remove') || p.args.includes('--autoremove')))));
}

export const dockerfileFinalImageNotMinimal = defineRule({
  id: 'dockerfile-final-image-not-minimal',
  title: 'Final image keeps build tools, a package manager or download tools',
  severity: 'low',
  category: 'dockerfile',
  tags: ['dockerfile', 'supply-chain', 'security'],
  appliesTo: APPLIES_TO,
  description:
    'Every tool in the running image is one an attacker can use and one more thing to patch. Two cases are reported. (1) A ' +
    'multi-stage build already compiles in an earlier stage and copies the result out, yet the final stage is built on a ' +
    'compiler toolchain (golang, rust, maven, ...), a full distribution (debian, ubuntu, ...) or a full language image ' +
    '(node, python, ... without slim or alpine): a distroless, slim or scratch base would run the same artifact. (2) The final ' +
    'image installs download and network tools (curl, wget, netcat, socat, ...) that the image does not use itself: installs ' +
    'that the HEALTHCHECK, ENTRYPOINT or CMD use, and installs the same RUN takes back (`apk del` of a --virtual group, ' +
    '`apt-mark auto` then `apt-get purge --auto-remove`), are not reported.',
  remediation:
    'Build the final stage FROM a distroless, slim or scratch image and COPY the artifact into it; install download tools only ' +
    'in build stages, or remove them in the same RUN after use.',
  references: [`${DOCKERFILE_BEST_PRACTICES}#use-multi-stage-builds`, 'https://github.com/GoogleContainerTools/distroless'],
  check: (resource) => {
    const view = viewOf(resource);
    const out = [];
    const chain = finalImageStages(view);
    const first = chain[0];
    const copiesBuilt = chain.some((s) => s.instructions.some((i) => i.keyword === 'COPY' && i.flags.some((f) => f.name === 'from' && f.value !== undefined && view.stages.some((o) => !chain.includes(o) && (o.name === f.value!.toLowerCase() || String(o.index) === f.value)))));
    const image = first?.base.reference;
    if (copiesBuilt && image) {
      const why = fullBase(image.repository, image.registry, (image.tag ?? 'latest').toLowerCase());
      if (why) out.push({ path: `/stages/${first.index}/base`, message: `the final image is built on ${first.base.resolved ?? first.base.raw}, ${why}, although it only needs what the build stage made (${fullName(image)} has slim or distroless counterparts)` });
    }
    const instructions = finalImageInstructions(view);
    const used = new Set(
      instructions
        .filter((l) => ['HEALTHCHECK', 'ENTRYPOINT', 'CMD'].includes(l.instruction.keyword))
        .flatMap((l) => l.instruction.arguments.flatMap((a) => a.split(/\s+/)))
        .map((w) => w.slice(w.lastIndexOf('/') + 1)),
    );
    for (const run of runPrograms(instructions)) {
      const pkg = packageCommand(run.program);
      if (!pkg || !['install', 'add'].includes(pkg.subcommand)) continue;
      if (removedAgain(run.instruction, pkg)) continue;
      const removed = new Set((run.instruction.commands ?? []).flatMap((c) => (['purge', 'remove', 'del'].some((w) => c.words.includes(w)) ? c.words.map(packageName) : [])));
      const tools = pkg.packages.map(packageName).filter((p) => DOWNLOAD_TOOLS.has(p) && !used.has(p) && !used.has(p.replace(/-.*$/, '')) && !removed.has(p));
      if (tools.length > 0) out.push({ path: run.commandPointer, message: `the final image installs ${tools.join(', ')}, which it does not use in HEALTHCHECK, ENTRYPOINT or CMD` });
    }
    return out;
  },
  examples: {
    valid: [
      dockerfile(`
        FROM golang:1.23 AS build
        RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
        RUN go build -o /out/app ./cmd/app
        FROM gcr.io/distroless/static-debian12:nonroot
        COPY --from=build /out/app /app
        ENTRYPOINT ["/app"]`),
      dockerfile(`
        FROM debian:12-slim
        RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
        HEALTHCHECK CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1`),
      dockerfile(`
        FROM alpine:3.20
        RUN apk add --no-cache --virtual .fetch-deps wget \\
         && wget -O /usr/local/bin/tini https://example.com/tini && chmod +x /usr/local/bin/tini \\
         && apk del .fetch-deps`),
    ],
    invalid: [
      {
        manifest: dockerfile(`
          FROM golang:1.23 AS build
          RUN go build -o /out/app ./cmd/app
          FROM golang:1.23
          COPY --from=build /out/app /usr/local/bin/app
          ENTRYPOINT ["app"]`),
        expect: [{ path: '/stages/1/base', message: 'a compiler toolchain image' }],
      },
      {
        manifest: dockerfile(`
          FROM debian:12-slim
          RUN apt-get update && apt-get install -y --no-install-recommends curl wget ca-certificates && rm -rf /var/lib/apt/lists/*
          CMD ["/usr/local/bin/app"]`),
        expect: [{ path: '/stages/0/instructions/1/commands/1', message: 'installs curl, wget' }],
      },
    ],
  },
});
