import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** The package version, read from package.json (dist/src/core/ -> the package root) so it never drifts. */
export const VERSION: string = (require('../../../package.json') as { version: string }).version;
