/**
 * The software inventory of an image, a file system or a source tree: what `kshield image`, `kshield
 * deps` and the SBOM writers produce, and what vulnerability matching reads. Ecosystem names are
 * spelt as the OSV schema spells them (https://ossf.github.io/osv-schema/#affectedpackage-field), so
 * a package can be looked up in OSV advisories as it is.
 */

/** OSV ecosystem names kshield inventories. */
export type Ecosystem = 'Debian' | 'Ubuntu' | 'Alpine' | 'Red Hat' | 'Rocky Linux' | 'AlmaLinux' | 'openSUSE' | 'SUSE' | 'npm' | 'PyPI' | 'Go' | 'Maven' | 'crates.io';

export interface PackageLocation {
  /** Path of the file that records the package (inside the image or tree), e.g. /var/lib/dpkg/status, app/package-lock.json. */
  path: string;
  /** 1-based line in that file, where the format gives one. */
  line?: number;
  /** The image layer that added the file (0-based index in the manifest's layer list) and its digest. */
  layer?: { index: number; digest: string; createdBy?: string; dockerfile?: DockerfileOrigin };
}

/**
 * Where a Dockerfile given with `kshield image --dockerfile` says an image layer came from: an
 * instruction of the final stage (RUN, COPY, ADD, WORKDIR), or the base image its FROM names.
 */
export interface DockerfileOrigin {
  /** The Dockerfile as given. */
  file: string;
  /** 1-based line of the instruction (for a base image layer, of the FROM). */
  line: number;
  /** The instruction, shortened for one line: `RUN apt-get install -y curl`, `COPY --from=build /out/app /app`, `FROM debian:12`. */
  instruction: string;
  /** Set when the layer belongs to the base image: the image the FROM names (its ARGs substituted). */
  baseImage?: string;
}

export interface Package {
  ecosystem: Ecosystem;
  /**
   * The ecosystem as OSV qualifies it for distributions, with the release: "Debian:12",
   * "Alpine:v3.20", "Ubuntu:22.04:LTS". Absent for language ecosystems.
   */
  osvEcosystem?: string;
  name: string;
  version: string;
  /**
   * The source package a distribution's binary package was built from (dpkg `Source:`, rpm
   * `SOURCERPM`, apk `o:` origin), with its version where it differs. Distribution advisories are
   * keyed by source package.
   */
  source?: { name: string; version: string };
  /** Package URL (https://github.com/package-url/purl-spec). */
  purl: string;
  /** Where the package was found; one package may be recorded in several places. */
  locations: PackageLocation[];
  /** SPDX license expressions or names as the package declares them. */
  licenses?: string[];
  /** Which reader found it: dpkg, apk, rpm, npm, python, go-binary, java-archive, package-lock, yarn-lock, ... */
  foundBy: string;
  /** Go binaries: the Go toolchain version they were built with. */
  goVersion?: string;
  /**
   * Lockfiles: true when the project itself declares the package (package.json, go.mod without
   * `// indirect`, a pyproject or Cargo.toml dependency), false when only another package brings it
   * in; absent when the file does not say.
   */
  direct?: boolean;
  /** Lockfiles: needed only for development (npm `dev`, Pipfile `develop`, Poetry's dev groups, Maven `test` scope). */
  dev?: boolean;
  /** Lockfiles: an optional dependency (npm `optional`, Poetry `optional`, Maven `<optional>`). */
  optional?: boolean;
  /** Lockfiles: the purls of the packages this one depends on, where the file records them. */
  dependsOn?: string[];
}

/** The operating system of an image or root file system, from /etc/os-release. */
export interface OperatingSystem {
  /** ID= (debian, ubuntu, alpine, rhel, ...). */
  id: string;
  /** VERSION_ID= (12, 22.04, 3.20.3). */
  versionId?: string;
  /** VERSION_CODENAME= where present. */
  codename?: string;
  prettyName?: string;
  /** VERSION= ("12 (bookworm)", "22.04.4 LTS (Jammy Jellyfish)"): Ubuntu's says whether a release is LTS. */
  version?: string;
  /** ID_LIKE=, split: the distributions this one derives from. */
  idLike?: string[];
}

export interface Inventory {
  os?: OperatingSystem;
  packages: Package[];
  /** What the reader could not read or chose not to (an RPM database present and not read, a file over a limit). */
  notes: { path?: string; line?: number; message: string }[];
}

/**
 * A known vulnerability of one of an object's packages, as `kshield scan` (a Lockfile's) and
 * `kshield image` (a ContainerImage's) add it to the object the rule `vulnerable-package` judges.
 */
export interface AttachedVulnerability {
  /** Index into the object's /packages. */
  package: number;
  id: string;
  aliases: string[];
  severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
  /** The CVSS vector's score, or the distribution's priority, as the report shows it; absent when the advisory gives none. */
  rating?: string;
  summary?: string;
  fixed?: string;
  /** Which advisory range matched, with which events, against which version. */
  explanation: string;
}

/**
 * A vulnerability finding's identity for baselines: not its index, which a database update moves,
 * but the finding's key (the vulnerability, package and version), which the rule gives.
 */
export function vulnerabilityStablePath(pointer: string): string {
  return pointer.replace(/^\/vulnerabilities\/\d+/, '/vulnerabilities');
}
