import type { Violation } from '../../core/types.js';
import { asObject, asString, isObject } from '../../core/values.js';
import { securityFieldDrift, securityFieldList } from '../../k8s/security-fields.js';
import { defineRule } from '../define.js';
import { DRIFT_TAGS } from './shared.js';

/**
 * The pair `--desired DIR` compares, as one object the engine judges (made by src/runtime/desired.ts):
 *
 * ```yaml
 * apiVersion: kshield.io/v1
 * kind: DesiredState
 * metadata: { name: Deployment.web, namespace: shop }
 * desired: { ...the manifest's object }
 * live: { ...the live object }
 * source: { desired: "deploy/web.yaml", live: "cluster:prod" }
 * ```
 *
 * Its positions under `/desired` are the manifest's, so a finding points at the declared field in
 * the manifest file; the message names the live object.
 */
export const DESIRED_STATE_KIND = 'DesiredState';

const GITOPS_DOC = 'https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/';

export const driftFromDesired = defineRule({
  id: 'drift-from-desired',
  title: 'Live workload differs from its manifest in a security-relevant field',
  severity: 'high',
  category: 'drift',
  tags: [...DRIFT_TAGS, 'gitops'],
  description:
    'With `--desired DIR` (`kshield cluster`, `kshield watch`), each live workload that a manifest in DIR declares (same API ' +
    'group, kind, namespace and name; a manifest without a namespace is in default) is compared with that manifest, and a live ' +
    'spec weaker than the declared one in a security-relevant field is reported: the cluster has drifted from what Git ' +
    'says. The finding points at the field in the manifest (file and line) and names the live object. The fields and how ' +
    `they are compared are those of drift-from-last-applied: ${securityFieldList()}. ` +
    'A live value stricter than the declared one is not reported; each difference is one finding, with its own severity.',
  remediation: 'Sync the workload from its manifest (kubectl apply, or the GitOps controller), then find out who changed the live object (the API server audit log); if the change was meant, commit it to the manifest.',
  references: [GITOPS_DOC],
  frameworks: { mitre: ['T1578'] },
  appliesTo: [DESIRED_STATE_KIND],
  check(resource) {
    const desired = resource.object.desired;
    const live = resource.object.live;
    if (!isObject(desired) || !isObject(live)) return [];
    const kind = asString(live.kind);
    if (!kind || kind !== asString(desired.kind)) return [];
    const where = asString(asObject(resource.object.source)?.live);
    const liveName = `live ${kind} ${resource.namespace ? `${resource.namespace}/` : ''}${asString(asObject(live.metadata)?.name) ?? resource.name}${where ? ` (${where})` : ''}`;
    return securityFieldDrift({ kind, apiVersion: asString(desired.apiVersion), object: desired }, { kind, apiVersion: asString(live.apiVersion), object: live }, 'declared').map(
      (d): Violation => ({
        path: `/desired${d.declaredPath}`,
        message: `${liveName} at ${d.livePath}: ${d.message}`,
        severity: d.severity,
        ...(d.container !== undefined ? { container: d.container } : {}),
        key: `${d.field}:${d.livePath}`,
      }),
    );
  },
  examples: {
    valid: [
      `apiVersion: kshield.io/v1
kind: DesiredState
metadata: {name: Deployment.web, namespace: shop}
source: {desired: deploy/web.yaml, live: "cluster:prod"}
desired:
  apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
  spec:
    template:
      spec:
        containers:
        - {name: web, image: "registry.example.com/shop/web:1.4.2"}
live:
  apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
  spec:
    template:
      spec:
        securityContext: {}
        containers:
        - {name: web, image: "registry.example.com/shop/web:1.4.2", imagePullPolicy: IfNotPresent, securityContext: {readOnlyRootFilesystem: true}}`,
    ],
    invalid: [
      {
        manifest: `apiVersion: kshield.io/v1
kind: DesiredState
metadata: {name: Deployment.web, namespace: shop}
source: {desired: deploy/web.yaml, live: "cluster:prod"}
desired:
  apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
  spec:
    template:
      spec:
        serviceAccountName: web
        containers:
        - name: web
          image: registry.example.com/shop/web:1.4.2
          securityContext: {runAsNonRoot: true}
live:
  apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
  spec:
    template:
      spec:
        serviceAccountName: deployer
        serviceAccount: deployer
        containers:
        - name: web
          image: registry.example.com/shop/web:1.4.2
          securityContext: {runAsNonRoot: false}`,
        expect: [
          { path: '/desired/spec/template/spec/serviceAccountName', message: 'live Deployment shop/web (cluster:prod) at /spec/template/spec/serviceAccountName: the pod runs as another service account: "deployer" live, "web" declared' },
          { path: '/desired/spec/template/spec/containers/0/securityContext/runAsNonRoot', message: 'container "web" no longer requires a non-root user: false live, true declared' },
        ],
      },
    ],
  },
});
