import { deploymentFromParts, stream } from '../examples.js';
import type { Resource, Violation } from '../../core/types.js';
import { containers, podSpecs } from '../../k8s/pods.js';
import { asArray, fieldAt, isObject, asObject, asString } from '../../core/values.js';
import { defineRule, describeContainer } from '../define.js';
import { ScopedCache } from '../../core/scoped-cache.js';
import { anyVisible, findVisible, nsOf, nsPhrase, } from './shared.js';

interface ConfigRef {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  key?: string;
  /** Pointer to the name field (or the nearest parent), and to the key field. */
  namePath: string;
  keyPath?: string;
  where: string;
  container?: string;
}

/** Every non-optional Secret and ConfigMap reference of a pod spec: env, envFrom and volumes. */
function configRefs(resource: Resource): ConfigRef[] {
  const out: ConfigRef[] = [];
  const add = (ref: unknown, kind: 'Secret' | 'ConfigMap', nameField: string, basePath: string, where: string, container?: string, key?: unknown): void => {
    if (!isObject(ref) || ref.optional === true) return;
    const name = ref[nameField];
    if (typeof name !== 'string' || name === '') return;
    out.push({ kind, name, key: typeof key === 'string' ? key : undefined, namePath: `${basePath}/${nameField}`, keyPath: typeof key === 'string' ? `${basePath}/key` : undefined, where, container });
  };
  for (const c of containers(resource)) {
    asArray(c.container.env).forEach((e, i) => {
      const from = asObject(fieldAt(e, 'valueFrom'));
      if (!from) return;
      const variable = `${describeContainer(c)} variable ${JSON.stringify(asString(fieldAt(e, 'name')) ?? `#${i + 1}`)}`;
      const base = `${c.path}/env/${i}/valueFrom`;
      add(from.secretKeyRef, 'Secret', 'name', `${base}/secretKeyRef`, variable, c.name, fieldAt(from.secretKeyRef, 'key'));
      add(from.configMapKeyRef, 'ConfigMap', 'name', `${base}/configMapKeyRef`, variable, c.name, fieldAt(from.configMapKeyRef, 'key'));
    });
    asArray(c.container.envFrom).forEach((e, i) => {
      add(fieldAt(e, 'secretRef'), 'Secret', 'name', `${c.path}/envFrom/${i}/secretRef`, `${describeContainer(c)} envFrom`, c.name);
      add(fieldAt(e, 'configMapRef'), 'ConfigMap', 'name', `${c.path}/envFrom/${i}/configMapRef`, `${describeContainer(c)} envFrom`, c.name);
    });
  }
  for (const pod of podSpecs(resource)) {
    asArray(pod.spec.volumes).forEach((v, i) => {
      if (!isObject(v)) return;
      const where = `volume ${JSON.stringify(asString(v.name) ?? `#${i + 1}`)}`;
      const base = `${pod.path}/volumes/${i}`;
      add(v.secret, 'Secret', 'secretName', `${base}/secret`, where);
      add(v.configMap, 'ConfigMap', 'name', `${base}/configMap`, where);
      asArray(fieldAt(v, 'projected', 'sources')).forEach((src, j) => {
        add(fieldAt(src, 'secret'), 'Secret', 'name', `${base}/projected/sources/${j}/secret`, where);
        add(fieldAt(src, 'configMap'), 'ConfigMap', 'name', `${base}/projected/sources/${j}/configMap`, where);
      });
    });
  }
  return out;
}

/** ConfigMaps the control plane publishes into every namespace (and OpenShift's equivalent). */
const AUTO_CREATED_CONFIGMAPS = new Set(['kube-root-ca.crt', 'openshift-service-ca.crt']);

const dataKeysCache = new ScopedCache<Resource, Set<string>>();

function dataKeys(target: Resource): Set<string> {
  const cached = dataKeysCache.get(target);
  if (cached) return cached;
  const keys = new Set<string>();
  dataKeysCache.set(target, keys);
  for (const field of ['data', 'stringData', 'binaryData']) {
    const d = target.object[field];
    if (isObject(d)) for (const k of Object.keys(d)) keys.add(k);
  }
  return keys;
}

export const configReferenceMissing = defineRule({
  id: 'config-reference-missing',
  title: 'Pod references a Secret or ConfigMap that is not there',
  severity: 'medium',
  category: 'reliability',
  tags: ['config', 'secrets', 'correctness', 'cross-resource'],
  appliesTo: 'workloads',
  reads: ['Secret', 'ConfigMap'],
  description:
    'An env valueFrom (secretKeyRef, configMapKeyRef), an envFrom or a volume (secret, configMap, projected) refers to a Secret or ' +
    'ConfigMap that is not among the scanned objects of its namespace (it may still be created at deploy time: the finding says what the scan holds, not what the cluster will), or to a key that the referenced object does not hold. Such containers stay in ' +
    'CreateContainerConfigError, and such volumes keep the pod in ContainerCreating. References marked optional: true are skipped. ' +
    'Only reported when the scanned set contains objects of that kind (Secret or ConfigMap) in the namespace: Secrets created by ' +
    'other tools (external-secrets, sealed-secrets, kustomize generators) are otherwise absent from manifests. The kube-root-ca.crt ' +
    'ConfigMap, which the control plane publishes into every namespace, always counts as present.',
  remediation: 'Fix the name or key, add the missing Secret or ConfigMap, or mark the reference optional: true if the workload copes without it.',
  references: ['https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets', 'https://kubernetes.io/docs/concepts/configuration/configmap/#using-configmaps'],
  check: (resource, context) => {
    const refs = configRefs(resource);
    if (refs.length === 0) return [];
    const ns = nsOf(resource);
    const present: Record<string, boolean> = { Secret: anyVisible(context, 'Secret', ns), ConfigMap: anyVisible(context, 'ConfigMap', ns) };
    const out: Violation[] = [];
    for (const ref of refs) {
      if (!present[ref.kind] || (ref.kind === 'ConfigMap' && AUTO_CREATED_CONFIGMAPS.has(ref.name))) continue;
      const target = findVisible(context, ref.kind, ns, ref.name);
      if (!target) {
        out.push({ path: ref.namePath, container: ref.container, message: `${ref.where} uses ${ref.kind} "${ref.name}", which is not among the scanned objects${resource.namespace ? ` of ${nsPhrase(resource)}` : ''}` });
        continue;
      }
      if (ref.key !== undefined && !dataKeys(target).has(ref.key))
        out.push({ path: ref.keyPath ?? ref.namePath, container: ref.container, message: `${ref.where} uses key "${ref.key}" of ${ref.kind} "${ref.name}", which has no such key` });
    }
    return out;
  },
  examples: {
    valid: [
      stream(
        `apiVersion: v1
kind: ConfigMap
metadata: {name: web-settings, namespace: shop}
data: {LOG_LEVEL: info}`,
        deploymentFromParts({ container: '        env:\n        - name: LOG_LEVEL\n          valueFrom: {configMapKeyRef: {name: web-settings, key: LOG_LEVEL}}' }),
      ),
      deploymentFromParts({ container: '        envFrom: [{secretRef: {name: web-credentials}}]' }),
    ],
    invalid: [
      {
        manifest: stream(
        `apiVersion: v1
kind: ConfigMap
metadata: {name: web-settings, namespace: shop}
data: {LOG_LEVEL: info}`,
        deploymentFromParts({ container: '        env:\n        - name: LOG_LEVEL\n          valueFrom: {configMapKeyRef: {name: web-settings, key: log-level}}\n        envFrom: [{configMapRef: {name: web-config}}]' }),
      ),
        expect: ['/spec/template/spec/containers/0/env/0/valueFrom/configMapKeyRef/key', '/spec/template/spec/containers/0/envFrom/0/configMapRef/name'],
      },
    ],
  },
});
