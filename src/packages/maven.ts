/**
 * Maven coordinates of a Java archive: META-INF/maven/<groupId>/<artifactId>/pom.properties,
 * written by Maven (and Gradle's maven-publish) into every jar it builds. The file is in Java
 * properties format (java.util.Properties#load): `key=value`, `key: value` or `key value`,
 * `#`/`!` comments, backslash escapes and line continuations. Pure.
 */
import type { Package } from './model.js';
import { purl } from './purl.js';

export function parseJavaProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(/^[ \t\f]+/, '');
    if (line === '' || line[0] === '#' || line[0] === '!') continue;
    // A line ending in an odd number of backslashes continues on the next one.
    while (/(?:^|[^\\])(?:\\\\)*\\$/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i].replace(/^[ \t\f]+/, '');
    let k = 0;
    let key = '';
    for (; k < line.length; k++) {
      const c = line[k];
      if (c === '\\' && k + 1 < line.length) {
        key += unescape(line[++k]);
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      key += c;
    }
    while (k < line.length && /[ \t\f]/.test(line[k])) k++;
    if (line[k] === '=' || line[k] === ':') k++;
    while (k < line.length && /[ \t\f]/.test(line[k])) k++;
    let value = '';
    for (; k < line.length; k++) {
      if (line[k] === '\\' && k + 1 < line.length) {
        const next = line[++k];
        if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(line.slice(k + 1, k + 5))) {
          value += String.fromCharCode(parseInt(line.slice(k + 1, k + 5), 16));
          k += 4;
        } else value += unescape(next);
      } else value += line[k];
    }
    if (!out.has(key)) out.set(key, value);
  }
  return out;
}

function unescape(c: string): string {
  return c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === 'f' ? '\f' : c;
}

export interface MavenCoordinates {
  groupId: string;
  artifactId: string;
  version: string;
}

export function parsePomProperties(text: string): MavenCoordinates | undefined {
  const p = parseJavaProperties(text);
  const groupId = p.get('groupId');
  const artifactId = p.get('artifactId');
  const version = p.get('version');
  if (!groupId || !artifactId || !version) return undefined;
  return { groupId, artifactId, version };
}

/** Whether an archive member is a pom.properties of the layout Maven writes. */
export function isPomProperties(member: string): boolean {
  return /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/.test(member);
}

/**
 * `path` is where the archive lies in the image, with nested archives after "!/" as Java writes
 * them (app.jar!/BOOT-INF/lib/spring-core-6.1.2.jar).
 */
export function mavenPackage(c: MavenCoordinates, path: string): Package {
  return {
    ecosystem: 'Maven',
    name: `${c.groupId}:${c.artifactId}`,
    version: c.version,
    purl: purl('maven', c.groupId, c.artifactId, c.version),
    locations: [{ path }],
    foundBy: 'java-archive',
  };
}
