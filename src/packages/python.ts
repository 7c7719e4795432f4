/**
 * Installed Python distributions: `*.dist-info/METADATA` (wheels, pip) and `*.egg-info/PKG-INFO`
 * (or an `*.egg-info` file) from setuptools, both in the core metadata format
 * (https://packaging.python.org/en/latest/specifications/core-metadata/): email-style headers up
 * to the first blank line, the description after it. Pure.
 */
import type { Package } from './model.js';
import { parseParagraphs } from './control-fields.js';
import { purl } from './purl.js';

export interface PythonDistribution {
  name: string;
  version: string;
  license?: string;
}

export function parsePythonMetadata(text: string): PythonDistribution | undefined {
  const [headers] = parseParagraphs(text, { stopAtFirstBlank: true });
  const name = headers?.fields.get('name');
  const version = headers?.fields.get('version');
  if (!name || !version) return undefined;
  const d: PythonDistribution = { name, version };
  // License-Expression (metadata 2.4) is an SPDX expression; License is free text, kept when short.
  const license = headers.fields.get('license-expression') ?? headers.fields.get('license');
  if (license && license !== 'UNKNOWN' && !license.includes('\n') && license.length <= 100) d.license = license;
  return d;
}

export function pythonPackage(d: PythonDistribution, path: string): Package {
  const pkg: Package = { ecosystem: 'PyPI', name: d.name, version: d.version, purl: purl('pypi', undefined, d.name, d.version), locations: [{ path }], foundBy: 'python' };
  if (d.license) pkg.licenses = [d.license];
  return pkg;
}
