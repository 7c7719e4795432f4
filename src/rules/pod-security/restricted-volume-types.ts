import { IMAGE, deployment, pod, rollout } from '../examples.js';
import { defineRule, perPod } from '../define.js';
import { asArray, asObject } from '../../core/values.js';
import { escapePointerToken } from '../../core/pointer.js';
import { RESTRICTED_VOLUME_SOURCES, isSet, show } from '../../k8s/pss.js';
import { RESTRICTED_CONTAINER_SC, pssControl, } from './shared.js';

// ============================== Restricted ==============================
export const restrictedVolumeTypes = defineRule({
  id: 'restricted-volume-types',
  title: 'Volume type not allowed by the Restricted profile',
  severity: 'medium',
  ...pssControl('restricted', 'volume-types'),
  description:
    'Restricted allows only volumes of type configMap, csi, downwardAPI, emptyDir, ephemeral, image, ' +
    'persistentVolumeClaim, projected and secret; other storage (nfs, iscsi, rbd, gitRepo, cloud disks, ...) must ' +
    'be provided through a PersistentVolume and claimed. hostPath is forbidden as well, and reported by the ' +
    'Baseline rule host-path-volume. The image volume type is allowed by the admission controller since ' +
    'Kubernetes 1.33 although the published page does not list it yet. A volume with no source is defaulted ' +
    'to emptyDir by the API server and passes.',
  remediation: 'Define the storage as a PersistentVolume and mount it through a persistentVolumeClaim, or use one of the allowed volume types.',
  check: (resource) =>
    perPod(resource, (pod) =>
      asArray(pod.spec.volumes).flatMap((v, i) => {
        const vol = asObject(v);
        if (!vol) return [];
        const sources = Object.keys(vol).filter((k) => k !== 'name' && isSet(vol[k]));
        if (sources.length === 0 || sources.some((k) => RESTRICTED_VOLUME_SOURCES.has(k)) || sources.includes('hostPath')) return [];
        return [
          {
            path: `${pod.path}/volumes/${i}/${escapePointerToken(sources[0])}`,
            message: `volume ${show(vol.name ?? `#${i}`)} uses the ${sources[0]} volume type, which the Restricted profile does not allow`,
          },
        ];
      }),
    ),
  examples: {
    valid: [
      pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext: ${RESTRICTED_CONTAINER_SC}
          volumes:
          - name: config
            configMap: {name: web-config}
          - name: token
            projected:
              sources: [{serviceAccountToken: {path: token, expirationSeconds: 3600}}]
          - name: data
            persistentVolumeClaim: {claimName: web-data}
          - name: scratch
            ephemeral:
              volumeClaimTemplate:
                spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
          - name: models
            image: {reference: "registry.example.com/ml/models:v3", pullPolicy: IfNotPresent}
          - name: tmp
        `),
    ],
    invalid: [
      {
        manifest: deployment(`
          containers:
          - name: app
            image: ${IMAGE}
          volumes:
          - name: shared
            nfs: {server: nfs.example.com, path: /exports/shop}
        `),
        expect: ['/spec/template/spec/volumes/0/nfs'],
      },
      {
        manifest: rollout(`
          containers:
          - name: app
            image: ${IMAGE}
          volumes:
          - name: site
            gitRepo: {repository: "https://example.com/site.git", revision: main}
        `),
        expect: ['/spec/template/spec/volumes/0/gitRepo'],
      },
    ],
  },
});
