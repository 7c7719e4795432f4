import type { Resource } from '../../core/types.js';
import type { ResourceSet } from '../../k8s/resource-set.js';
import { ScopedCache } from '../../core/scoped-cache.js';
import { hostMounts, hostPathsOverlap, type HostMount } from '../../analysis/tenants.js';
import { defineRule } from '../define.js';
import { MULTI_TENANCY_DOC, isTenant } from './shared.js';

const LOGS = (name: string, namespace: string, path: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: app
          image: registry.example.com/${name}:1.0
          volumeMounts: [{name: spool, mountPath: /spool}]
      volumes:
        - name: spool
          hostPath: {path: ${path}, type: DirectoryOrCreate}`;

const mountsBySet = new ScopedCache<ResourceSet, HostMount[]>();

function allMounts(set: ResourceSet): HostMount[] {
  let mounts = mountsBySet.get(set);
  if (!mounts) mountsBySet.set(set, (mounts = set.all.flatMap((r: Resource) => hostMounts(r))));
  return mounts;
}

/** How many other workloads a message names before it counts the rest. */
const NAMED = 3;

export const hostPathSharedAcrossTenants = defineRule({
  id: 'host-path-shared-across-tenants',
  title: 'Two tenants mount the same node directory',
  severity: 'medium',
  category: 'tenancy',
  tags: ['tenancy', 'host', 'storage', 'cross-resource'],
  appliesTo: ['workloads'],
  reads: ['workloads', 'Namespace'],
  description:
    "Workloads of two tenant namespaces mount one hostPath (or one inside the other): whatever one tenant writes there the other reads " +
    'or changes on every node both run on, outside anything Kubernetes isolates. Reported on each side. Files every pod may read ' +
    '(/etc/localtime, /usr/share/zoneinfo, ...) are left out. The mount itself is also `host-path-volume`; both name the volume as ' +
    'the cause, so a scan shows them as one finding.',
  remediation: 'Give each tenant its own storage (a PersistentVolumeClaim, or an emptyDir); where node files must be read, let one platform component in its own namespace do it.',
  references: ['https://kubernetes.io/docs/concepts/storage/volumes/#hostpath', MULTI_TENANCY_DOC],
  check(resource, context) {
    const mine = hostMounts(resource);
    if (mine.length === 0 || !isTenant(context, mine[0].namespace)) return [];
    const out = [];
    for (const m of mine) {
      const others = new Map<string, string>();
      for (const o of allMounts(context.resources)) {
        if (o.namespace === m.namespace || !hostPathsOverlap(m.path, o.path) || !isTenant(context, o.namespace)) continue;
        const id = `${o.namespace}/${o.resource.kind}/${o.resource.name}`;
        if (!others.has(id)) others.set(id, o.path);
      }
      if (others.size === 0) continue;
      const named = [...others].slice(0, NAMED).map(([id, p]) => (p === m.path ? id : `${id} (${p})`));
      const more = others.size > NAMED ? ` and ${others.size - NAMED} more` : '';
      out.push({ path: m.pointer, cause: m.volume, message: `hostPath ${m.path} of tenant namespace "${m.namespace}" is also mounted by ${named.join(', ')}${more}` });
    }
    return out;
  },
  examples: {
    valid: [[LOGS('spooler', 'team-a', '/var/spool/team-a'), LOGS('spooler', 'team-b', '/var/spool/team-b')].join('\n---\n'), [LOGS('spooler', 'team-a', '/var/spool/shared'), LOGS('node-agent', 'kube-system', '/var/spool/shared')].join('\n---\n')],
    invalid: [
      {
        manifest: [LOGS('spooler', 'team-a', '/var/spool/shared'), LOGS('spooler', 'team-b', '/var/spool/shared')].join('\n---\n'),
        expect: ['/spec/template/spec/volumes/0/hostPath/path', '/spec/template/spec/volumes/0/hostPath/path'],
      },
      {
        manifest: [LOGS('spooler', 'team-a', '/var/spool'), LOGS('spooler', 'team-b', '/var/spool/team-b/')].join('\n---\n'),
        expect: [{ path: '/spec/template/spec/volumes/0/hostPath/path', message: 'team-b/Deployment/spooler (/var/spool/team-b)' }, '/spec/template/spec/volumes/0/hostPath/path'],
      },
    ],
  },
});
