import { fieldAt } from '../../core/values.js';
import { defineRule } from '../define.js';
import { CLUSTER_INFO_EXAMPLE, CLUSTER_INFO_KIND, MinorVersion, SKEW_DOC, clusterInfo, parseMinor, serverVersionOf } from './shared.js';

// ---------------------------------------------------------------------------------------------
// Kubelet version skew

/**
 * The version skew policy: a kubelet must not be newer than kube-apiserver, and may be up to three
 * minor versions older (a kubelet older than 1.25 only two).
 */
function kubeletSkewProblem(kubelet: MinorVersion, server: MinorVersion): string | undefined {
  if (kubelet.major !== server.major) return kubelet.major > server.major ? 'is newer than the API server' : 'is a different major version than the API server';
  if (kubelet.minor > server.minor) return `is newer than the API server (${server.text}); a kubelet must never be newer`;
  const allowed = kubelet.major === 1 && kubelet.minor < 25 ? 2 : 3;
  const lag = server.minor - kubelet.minor;
  if (lag > allowed) return `is ${lag} minor versions older than the API server (${server.text}); at most ${allowed} are supported`;
  return undefined;
}

export const nodeKubeletVersionSkew = defineRule({
  id: 'node-kubelet-version-skew',
  title: 'Kubelet version outside the supported skew',
  severity: 'medium',
  category: 'api',
  tags: ['cluster'],
  description:
    "A node's kubelet is newer than the API server, or older than the version skew policy allows (three minor versions; " +
    'two for kubelets older than 1.25). Such nodes run untested combinations and usually miss security fixes. Judged only in ' +
    '`kshield cluster`, where the API server version is known.',
  remediation: 'Upgrade the kubelet on the node (drain it first), or replace the node with one at a supported version.',
  references: [SKEW_DOC],
  appliesTo: ['Node'],
  reads: [CLUSTER_INFO_KIND],
  judgesStatus: true,
  check(resource, context) {
    const server = serverVersionOf(clusterInfo(context));
    if (!server) return [];
    const raw = fieldAt(resource.object, 'status', 'nodeInfo', 'kubeletVersion');
    const kubelet = parseMinor(raw);
    if (!kubelet) return [];
    const problem = kubeletSkewProblem(kubelet, server);
    if (!problem) return [];
    return [{ path: '/status/nodeInfo/kubeletVersion', message: `node "${resource.name}" runs kubelet ${kubelet.text}, which ${problem}` }];
  },
  examples: {
    valid: [
      `${CLUSTER_INFO_EXAMPLE('v1.30.2')}
---
apiVersion: v1
kind: Node
metadata:
  name: worker-1
status:
  nodeInfo:
    kubeletVersion: v1.27.9`,
      `${CLUSTER_INFO_EXAMPLE('v1.20.2')}
---
apiVersion: v1
kind: Node
metadata:
  name: worker-1
status:
  nodeInfo:
    kubeletVersion: v1.18.20`,
    ],
    invalid: [
      {
        manifest: `${CLUSTER_INFO_EXAMPLE('v1.30.2')}
---
apiVersion: v1
kind: Node
metadata:
  name: worker-old
status:
  nodeInfo:
    kubeletVersion: v1.26.15`,
        expect: ['/status/nodeInfo/kubeletVersion'],
      },
      {
        manifest: `${CLUSTER_INFO_EXAMPLE('v1.26.1')}
---
apiVersion: v1
kind: Node
metadata:
  name: worker-old
status:
  nodeInfo:
    kubeletVersion: v1.23.17`,
        expect: ['/status/nodeInfo/kubeletVersion'],
      },
      {
        manifest: `${CLUSTER_INFO_EXAMPLE('v1.29.0')}
---
apiVersion: v1
kind: Node
metadata:
  name: worker-new
status:
  nodeInfo:
    kubeletVersion: v1.30.1`,
        expect: ['/status/nodeInfo/kubeletVersion'],
      },
    ],
  },
});
