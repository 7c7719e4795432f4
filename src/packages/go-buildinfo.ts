/**
 * The build information the Go linker embeds in every binary (read by `go version -m`), decoded as
 * Go's debug/buildinfo reads it (src/debug/buildinfo/buildinfo.go, Go 1.18 and later). Pure: the
 * reader in src/images/ finds the blob while streaming the file and hands it here.
 *
 * The blob starts at a 16-byte-aligned address with a 32-byte header: the 14-byte magic
 * "\xff Go buildinf:", the pointer size (4 or 8), and a flags byte (bit 0: big-endian; bit 1:
 * the two strings follow inline). With bit 1 set (Go 1.18+), the header is followed by two
 * strings, each a uvarint length and that many bytes: the Go version ("go1.22.3") and the module
 * information. Older binaries hold pointers to the strings instead, which a streaming reader
 * cannot follow backwards; they are reported as such.
 *
 * The module information is framed by 16-byte sentinels and holds tab-separated lines
 * (runtime/debug.ParseBuildInfo): `path <main package>`, `mod <path> <version> <sum>`,
 * `dep <path> <version> <sum>`, `=> <path> <version> <sum>` (a replacement of the line before),
 * and `build <key>=<value>`.
 */
import type { Package } from './model.js';
import { purl } from './purl.js';

export const GO_BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
/** Go reads this much of the data segment to find the blob; the strings must fit in it. */
export const GO_BUILDINFO_WINDOW = 64 * 1024;
const HEADER_SIZE = 32;

export type GoBlob = { format: 'inline'; goVersion: string; modInfo: string } | { format: 'pointers' } | { format: 'invalid' };

/** Reads a uvarint (encoding/binary) at `at`; undefined when malformed or past the end. */
function uvarint(data: Uint8Array, at: number): { value: number; next: number } | undefined {
  let value = 0;
  let shift = 0;
  for (let i = at; i < data.length && i < at + 10; i++) {
    const b = data[i];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return value > Number.MAX_SAFE_INTEGER ? undefined : { value, next: i + 1 };
    shift += 7;
  }
  return undefined;
}

/** Decodes the blob starting at the magic (`data` holds up to GO_BUILDINFO_WINDOW bytes from there). */
export function decodeGoBuildInfoBlob(data: Uint8Array): GoBlob {
  if (data.length < HEADER_SIZE || !GO_BUILDINFO_MAGIC.equals(data.subarray(0, GO_BUILDINFO_MAGIC.length))) return { format: 'invalid' };
  const pointerSize = data[14];
  const flags = data[15];
  if ((pointerSize !== 4 && pointerSize !== 8) || flags > 3) return { format: 'invalid' };
  if ((flags & 2) === 0) return { format: 'pointers' };
  const strings: string[] = [];
  let at = HEADER_SIZE;
  for (let n = 0; n < 2; n++) {
    const length = uvarint(data, at);
    // As Go's decodeString: the string must end inside the window.
    if (!length || length.value >= data.length - length.next + 1) return { format: 'invalid' };
    strings.push(Buffer.from(data.buffer, data.byteOffset + length.next, length.value).toString('utf8'));
    at = length.next + length.value;
  }
  const [goVersion, framed] = strings;
  if (!/^(go\d|devel )/.test(goVersion)) return { format: 'invalid' };
  // Strip the sentinels (cmd/go/internal/modload infoStart/infoEnd) as Go does; without them there is no module information.
  const modInfo = framed.length >= 33 && framed[framed.length - 17] === '\n' ? framed.slice(16, -16) : '';
  return { format: 'inline', goVersion, modInfo };
}

export interface GoModule {
  path: string;
  version: string;
  sum?: string;
  /** The module that replaced it (a `=>` line), whose code is what was built. */
  replacedBy?: { path: string; version: string; sum?: string };
}

export interface GoBuildInfo {
  goVersion: string;
  /** The main package's import path. */
  path?: string;
  main?: GoModule;
  deps: GoModule[];
  settings: Map<string, string>;
}

/** runtime/debug.ParseBuildInfo's grammar; lines it does not know are skipped as Go skips them. */
export function parseGoModInfo(goVersion: string, modInfo: string): GoBuildInfo {
  const info: GoBuildInfo = { goVersion, deps: [], settings: new Map() };
  let last: GoModule | undefined;
  for (const line of modInfo.split('\n')) {
    const parts = line.split('\t');
    switch (parts[0]) {
      case 'path':
        info.path = parts[1];
        break;
      case 'mod':
      case 'dep': {
        if (parts.length < 3 || parts[1] === '') break;
        const m: GoModule = { path: parts[1], version: parts[2] };
        if (parts[3]) m.sum = parts[3];
        if (parts[0] === 'mod') info.main = m;
        else info.deps.push(m);
        last = m;
        break;
      }
      case '=>':
        if (last && parts.length >= 3 && parts[1] !== '') last.replacedBy = { path: parts[1], version: parts[2], ...(parts[3] ? { sum: parts[3] } : {}) };
        last = undefined;
        break;
      case 'build': {
        const eq = parts[1]?.indexOf('=') ?? -1;
        if (eq > 0) info.settings.set(parts[1].slice(0, eq), parts[1].slice(eq + 1));
        break;
      }
    }
  }
  return info;
}

/** "go1.22.3" → "v1.22.3"; "go1.22.0 X:boringcrypto" → "v1.22.0"; a devel or pre-release toolchain has no stdlib version OSV knows. */
export function stdlibVersion(goVersion: string): string | undefined {
  const m = /^go(\d+\.\d+(?:\.\d+)?)(?:\s|$)/.exec(goVersion);
  if (!m) return undefined;
  // Go 1.21+ names the first release "go1.21.0"; earlier ones "go1.20" for 1.20.0.
  return `v${m[1].split('.').length === 2 ? `${m[1]}.0` : m[1]}`;
}

/** pkg:golang/<module path>@<version>: the path's last element is the purl name, the rest its namespace. */
function goPurl(modulePath: string, version: string): string {
  const slash = modulePath.lastIndexOf('/');
  return slash === -1 ? purl('golang', undefined, modulePath, version) : purl('golang', modulePath.slice(0, slash), modulePath.slice(slash + 1), version);
}

/**
 * The binary's modules as packages: the main module, every dependency (a replaced one under the
 * replacement's path and version: that is the code linked in), and the standard library as OSV's
 * Go ecosystem names it (`stdlib`, at the toolchain's version).
 */
export function goPackages(info: GoBuildInfo, path: string): Package[] {
  const out: Package[] = [];
  const add = (m: GoModule, isMain: boolean): void => {
    const used = m.replacedBy && m.replacedBy.version !== '' ? m.replacedBy : m;
    // A replacement by a local directory (no version) builds code that no module version names;
    // so does a dependency built from a checkout ("(devel)"), or one whose path is a directory.
    // The main module is kept at "(devel)": it is what the binary is, even without a release.
    if (m.replacedBy && m.replacedBy.version === '') return;
    if (used.version === '' || (!isMain && used.version === '(devel)') || /^(?:\.{1,2}\/|\/)/.test(used.path) || used.path.endsWith('/')) return;
    out.push({
      ecosystem: 'Go',
      name: used.path,
      version: used.version,
      purl: goPurl(used.path, used.version),
      locations: [{ path }],
      foundBy: 'go-binary',
      goVersion: info.goVersion,
    });
  };
  if (info.main) add(info.main, true);
  for (const d of info.deps) add(d, false);
  const stdlib = stdlibVersion(info.goVersion);
  if (stdlib) out.push({ ecosystem: 'Go', name: 'stdlib', version: stdlib, purl: goPurl('stdlib', stdlib), locations: [{ path }], foundBy: 'go-binary', goVersion: info.goVersion });
  return out;
}
