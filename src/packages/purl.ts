/**
 * Package URLs (https://github.com/package-url/purl-spec) for the language ecosystems the lockfile
 * readers find, built the way the spec's type definitions say: npm names lowercased with the scope
 * as namespace (`pkg:npm/%40babel/core@7.24.0`), PyPI names normalised (PEP 503: lowercase, runs
 * of `-`, `_`, `.` become one `-`), Go module paths split at their last `/`, Maven as
 * group/artifact, Cargo crates by name.
 */

/** Percent-encodes one purl component; `:` stays as it is (the spec never encodes it). */
function encodeComponent(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':');
}

function build(type: string, namespace: string | undefined, name: string, version: string | undefined, qualifiers?: Record<string, string>): string {
  const ns = namespace ? namespace.split('/').filter(Boolean).map(encodeComponent).join('/') + '/' : '';
  let purl = `pkg:${type}/${ns}${encodeComponent(name)}`;
  if (version !== undefined && version !== '') purl += `@${encodeComponent(version)}`;
  const keys = Object.keys(qualifiers ?? {})
    .filter((k) => qualifiers![k] !== '')
    .sort();
  if (keys.length > 0) purl += '?' + keys.map((k) => `${k}=${encodeComponent(qualifiers![k])}`).join('&');
  return purl;
}

/** PEP 503's normalised project name: what PyPI, pip and OSV compare. */
export function normalizePypiName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

export function npmPurl(name: string, version: string): string {
  const lower = name.toLowerCase();
  if (lower.startsWith('@') && lower.includes('/')) {
    const slash = lower.indexOf('/');
    return build('npm', lower.slice(0, slash), lower.slice(slash + 1), version);
  }
  return build('npm', undefined, lower, version);
}

export function pypiPurl(name: string, version: string): string {
  return build('pypi', undefined, normalizePypiName(name), version);
}

export function golangPurl(modulePath: string, version: string): string {
  const slash = modulePath.lastIndexOf('/');
  return slash === -1 ? build('golang', undefined, modulePath, version) : build('golang', modulePath.slice(0, slash), modulePath.slice(slash + 1), version);
}

export function mavenPurl(groupId: string, artifactId: string, version: string | undefined): string {
  return build('maven', groupId, artifactId, version);
}

export function cargoPurl(name: string, version: string): string {
  return build('cargo', undefined, name, version);
}

/** A purl of any type, for readers outside the language ecosystems (distribution packages). */
export function purlOf(type: string, namespace: string | undefined, name: string, version: string | undefined, qualifiers?: Record<string, string>): string {
  return build(type.toLowerCase(), namespace, name, version, qualifiers);
}
