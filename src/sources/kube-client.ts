/**
 * The Kubernetes client library (`@kubernetes/client-node`) configured the way every long-running
 * kshield component needs it: `--kubeconfig` / `--context` when given, else the pod's service
 * account when running in a cluster, else KUBECONFIG or ~/.kube/config. It fails with a sentence a
 * user can act on instead of the library's silent fallback to http://localhost:8080.
 *
 * (`kshield cluster` uses sources/cluster.ts instead: it authenticates exactly as kubectl does and
 * pages lists itself.)
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';

export type KubeClientLibrary = typeof import('@kubernetes/client-node');

export interface KubeClientOptions {
  kubeconfig?: string;
  context?: string;
}

export interface KubeClient {
  /** The library module, loaded on use (it takes longer to import than the rest of kshield). */
  k8s: KubeClientLibrary;
  kc: KubeConfig;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Whether KUBECONFIG or ~/.kube/config names a file that exists. */
export function defaultKubeconfigExists(): boolean {
  const fromEnv = process.env.KUBECONFIG;
  if (fromEnv) return fromEnv.split(path.delimiter).some((f) => f && existsSync(f));
  return existsSync(path.join(os.homedir(), '.kube', 'config'));
}

export async function loadKubeClient(options: KubeClientOptions): Promise<KubeClient> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (options.kubeconfig) {
    if (!existsSync(options.kubeconfig)) throw new Error(`--kubeconfig ${options.kubeconfig}: no such file`);
    kc.loadFromFile(options.kubeconfig);
  } else if (process.env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) kc.loadFromCluster();
  else if (defaultKubeconfigExists()) kc.loadFromDefault();
  // client-node would fall back to http://localhost:8080 and every request would fail with a
  // message about TLS settings: say what is really missing.
  else throw new Error('no Kubernetes API access: not running in a pod, and no --kubeconfig, KUBECONFIG or ~/.kube/config');
  if (options.context) {
    if (!kc.getContextObject(options.context)) throw new Error(`no context "${options.context}" in the kubeconfig`);
    kc.setCurrentContext(options.context);
  }
  return { k8s, kc };
}
