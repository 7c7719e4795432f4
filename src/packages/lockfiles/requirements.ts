/**
 * pip requirements files (https://pip.pypa.io/en/stable/reference/requirements-file-format/).
 * Only a requirement pinned to one version (`name==1.2.3`, `name===1.2.3`, extras and environment
 * markers allowed) says what is installed; every other requirement (a range, a wildcard, a URL, an
 * editable checkout) is noted, not guessed. `-r`/`--requirement` includes are returned for the
 * walker to read; `-c` constraints files only constrain, and are noted. Which pins are direct is
 * known only from pip-compile's `# via` annotations. Lines continue with a
 * trailing backslash; `#` starts a comment where it follows whitespace; `--hash` options are part
 * of the requirement line.
 */
import type { Package } from '../model.js';
import { normalizePypiName, pypiPurl } from '../purl.js';
import { LockfileError, mergeByPurl, withoutUrlCredentials, type LockfileNote, type LockfileResult } from './common.js';

/** PEP 508 name: letters and digits, with `.`, `-` and `_` inside. */
const NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/;

export function readRequirements(text: string, path: string): LockfileResult {
  const packages: Package[] = [];
  const notes: LockfileNote[] = [];
  const includes: string[] = [];
  const unpinned: { name: string; line: number }[] = [];
  const physical = text.split('\n');
  for (let i = 0; i < physical.length; i++) {
    const line = i + 1;
    let logical = physical[i].replace(/\r$/, '');
    // Continuation lines: a backslash at the very end joins the next line.
    while (logical.endsWith('\\') && i + 1 < physical.length) {
      logical = logical.slice(0, -1) + ' ' + physical[++i].replace(/\r$/, '');
    }
    const content = logical.replace(/(^|\s)#.*$/, '').trim();
    if (content === '') continue;
    if (content.startsWith('-')) {
      const option = /^(-r|--requirement|-c|--constraint|-e|--editable)(?:\s*=\s*|\s+)(\S+)/.exec(content);
      if (option && (option[1] === '-r' || option[1] === '--requirement')) includes.push(option[2]);
      else if (option && (option[1] === '-c' || option[1] === '--constraint')) notes.push({ line, message: `constraints file ${option[2]} only limits versions: not an inventory, not read` });
      else if (option) notes.push({ line, message: `editable requirement ${option[2]}: installed from a checkout, no release version; left out` });
      // Other options (--index-url, --hash on its own line, --no-binary, ...) say nothing about what is installed.
      continue;
    }
    // A requirement: drop the per-requirement options (--hash=...) and the environment marker.
    const withoutOptions = content.replace(/\s--?[a-z][a-z-]*(?:[= ]\S+)?/g, '').trim();
    const semicolon = withoutOptions.indexOf(';');
    const requirement = (semicolon === -1 ? withoutOptions : withoutOptions.slice(0, semicolon)).trim();
    const marker = semicolon === -1 ? undefined : withoutOptions.slice(semicolon + 1).trim();
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(requirement) || /\.(whl|tar\.gz|zip)$/i.test(requirement) || requirement.startsWith('.') || requirement.startsWith('/')) {
      notes.push({ line, message: `requirement "${clipped(requirement)}" is a URL or path, not a pinned release: left out` });
      continue;
    }
    const m = NAME.exec(requirement);
    if (!m) throw new LockfileError(`"${requirement.slice(0, 80)}" is not a requirement (expected a project name such as requests==2.31.0)`, line);
    const [, name, , rest] = m;
    if (rest.startsWith('@')) {
      notes.push({ line, message: `${name} is installed from ${clipped(rest.slice(1).trim())}, not a pinned release: left out` });
      continue;
    }
    const pin = /^(===|==)\s*([^\s,]+)$/.exec(rest.trim());
    if (!pin || pin[2].includes('*')) {
      unpinned.push({ name, line });
      continue;
    }
    const version = pin[2];
    const pkg: Package = { ecosystem: 'PyPI', name, version, purl: pypiPurl(name, version), locations: [{ path, line }], foundBy: 'requirements' };
    // pip-compile's annotations say why a pin is there: `# via -r requirements.in` (asked for) or `# via flask`.
    const via = viaAnnotation(physical, i + 1);
    if (via) pkg.direct = via.some((v) => /^-r\s|^(pyproject\.toml|setup\.(py|cfg))$/.test(v));
    if (marker) notes.push({ line, message: `${normalizePypiName(name)}==${version} applies only where ${marker}: listed as if it does` });
    packages.push(pkg);
  }
  if (unpinned.length > 0) {
    const shown = unpinned
      .slice(0, 5)
      .map((u) => `${u.name} (line ${u.line})`)
      .join(', ');
    notes.push({
      line: unpinned[0].line,
      message: `${unpinned.length} requirement(s) not pinned with == to one version, so what gets installed is not known from this file: ${shown}${unpinned.length > 5 ? ', …' : ''}`,
    });
  }
  return { packages: mergeByPurl(packages), notes: notes.map((n) => ({ ...n, message: withoutUrlCredentials(n.message) })), includes };
}

/**
 * The names in a pip-compile `# via` annotation starting at line index `from` (`# via flask` on one
 * line, or `# via` followed by `#   name` lines), or undefined when the requirement has none.
 */
function viaAnnotation(lines: string[], from: number): string[] | undefined {
  const first = lines[from]?.trim();
  if (!first || !/^#\s*via\b/.test(first)) return undefined;
  const inline = first.replace(/^#\s*via\b/, '').trim();
  if (inline !== '') return [inline];
  const names: string[] = [];
  for (let j = from + 1; j < lines.length; j++) {
    const m = /^\s*#\s{2,}(\S.*)$/.exec(lines[j]);
    if (!m) break;
    names.push(m[1].trim());
  }
  return names;
}

/** Text from the file quoted in a note, at most 120 characters, an ellipsis saying when it was cut. */
function clipped(text: string): string {
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}
