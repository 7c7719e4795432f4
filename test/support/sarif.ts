import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

const require = createRequire(import.meta.url);
// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/** The SARIF 2.1.0 schema shipped by @microsoft/jest-sarif, made loadable by Ajv 8. */
export function sarifValidator(): { validate: (data: unknown) => boolean; errors: () => string } {
  const official = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json') as Record<string, unknown>;
  // The file is written in draft-04, which Ajv 8 does not load. Of draft-04's differences from
  // draft-07 it uses only `id` (no boolean exclusiveMinimum/Maximum), so renaming `id` to `$id`
  // validates exactly the same; the check below keeps that true if the file ever changes.
  assert.equal(official.$schema, 'http://json-schema.org/draft-04/schema#');
  const text = JSON.stringify(official);
  assert.doesNotMatch(text, /"exclusive(Minimum|Maximum)"/);
  const { $schema: _draft, id, ...rest } = official;
  // Its patterns are ECMAScript regexps without the `u` flag (one is invalid with it).
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const compiled = ajv.compile({ $id: id as string, ...rest });
  return { validate: (data) => compiled(data), errors: () => JSON.stringify(compiled.errors, null, 2) };
}

