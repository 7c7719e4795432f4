/**
 * Package URLs (https://github.com/package-url/purl-spec) built with packageurl-js, the purl
 * project's own JavaScript implementation: it applies each type's normalisation (PyPI names
 * lower-cased with "_" as "-", npm scopes percent-encoded) and sorts qualifiers as the spec asks.
 */
import { PackageURL } from 'packageurl-js';

export function purl(type: string, namespace: string | undefined, name: string, version: string | undefined, qualifiers?: Record<string, string | undefined>): string {
  const kept = qualifiers ? Object.fromEntries(Object.entries(qualifiers).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')) : undefined;
  return new PackageURL(type, namespace ?? null, name, version ?? null, kept && Object.keys(kept).length > 0 ? kept : null, null).toString();
}
