/** Shell-style `*` wildcards (nothing else is special), as users write names in exemptions. */
const cache = new Map<string, RegExp>();

export function matchesGlob(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  let re = cache.get(pattern);
  if (!re) {
    re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
    cache.set(pattern, re);
  }
  return re.test(value);
}
