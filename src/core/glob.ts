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

/**
 * Go's path/filepath.Match for one path segment (or host label): `*`, `?`, `[...]` classes (`[^...]`
 * negated) and backslash escapes; a malformed pattern matches nothing. What the kubelet's credential
 * keyring and a Dockerfile's COPY sources use.
 */
export function goSegmentMatch(pattern: string, text: string): boolean {
  let source = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return false;
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^')) body = `^${body.slice(1)}`;
      source += `[${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else if (c === '\\') {
      if (i + 1 >= pattern.length) return false;
      source += pattern[++i].replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    } else source += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  try {
    return new RegExp(`${source}$`).test(text);
  } catch {
    return false;
  }
}
