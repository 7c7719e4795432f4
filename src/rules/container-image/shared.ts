/**
 * What the image rules share: the ContainerImage object `kshield image` judges
 * (images/image-object.ts), the user test, the secret detector's wording, and the example builder.
 * An image rule applies to kind `ContainerImage` only.
 */
import type { Resource } from '../../core/types.js';
import { detectSecrets, type SecretHit } from '../../core/secrets-detect.js';
import { IMAGE_KIND, type ImageObjectView } from '../../images/image-object.js';

export { IMAGE_KIND };
export const APPLIES_TO = [IMAGE_KIND];
/** The OCI image configuration's fields (User, ExposedPorts, Env, history). */
export const IMAGE_CONFIG_REFERENCE = 'https://github.com/opencontainers/image-spec/blob/main/config.md';

export function viewOf(resource: Resource): ImageObjectView {
  return resource.object as unknown as ImageObjectView;
}

/** A root file system has no image configuration: there is no user, port or environment to judge. */
export function hasConfiguration(view: ImageObjectView): boolean {
  return view.image?.source !== 'rootfs';
}

/** The user part of User ("uid", "uid:gid", "name", "name:group"): root when empty, 0 or root. */
export function runsAsRoot(user: string | undefined): boolean {
  const u = (user ?? '').trim().split(':')[0];
  return u === '' || u === 'root' || /^0+$/.test(u);
}

export function describeHit(hit: SecretHit): string {
  return `${hit.label}${hit.setting ? ` in setting ${hit.setting}` : ''}${hit.decoded ? ' (base64-encoded)' : ''}`;
}

/** The Env entries holding a secret, by index: KEY, value and what the detector saw. */
export function envSecrets(view: ImageObjectView): { index: number; key: string; value: string; hit: SecretHit }[] {
  const out: { index: number; key: string; value: string; hit: SecretHit }[] = [];
  (Array.isArray(view.config?.Env) ? view.config.Env : []).forEach((entry, index) => {
    if (typeof entry !== 'string') return;
    const eq = entry.indexOf('=');
    const key = eq === -1 ? entry : entry.slice(0, eq);
    const value = eq === -1 ? '' : entry.slice(eq + 1);
    const hit = detectSecrets(key, value)[0];
    if (hit) out.push({ index, key, value, hit });
  });
  return out;
}

/** An image object for examples: the configuration and history given, a Debian 12 base. */
export function imageExample(fields: string): string {
  return `apiVersion: kshield.io/v1
kind: ContainerImage
metadata: {name: registry.example/shop/api:1.4.2}
image: {source: registry, manifestDigest: 'sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac'}
${fields.trim()}
packages: []
`;
}
