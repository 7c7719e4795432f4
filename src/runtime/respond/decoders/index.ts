/** The decoders `kshield respond` serves by default; the audit-event decoder is added beside them (src/runtime/audit.ts). */
import type { AlertDecoder } from '../../alert.js';
import { falcoDecoder, falcosidekickDecoder } from './falco.js';
import { genericDecoder } from './generic.js';

export { falcoDecoder, falcosidekickDecoder } from './falco.js';
export { genericDecoder } from './generic.js';

export const DEFAULT_DECODERS: readonly AlertDecoder[] = [falcoDecoder, falcosidekickDecoder, genericDecoder];
