/**
 * Shared by the tests that start the real control plane (test/support/k8s/cluster: etcd,
 * kube-apiserver and kube-controller-manager v1.20.2 on 127.0.0.1): whether it can run here, the
 * loud skip banner, and the environment `cluster start DIR` writes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { root } from './cli.js';
import { skipLoudly } from './skip.js';

export const CLUSTER_SCRIPT = path.join(root, 'test/support/k8s/cluster');
const cache = process.env.KSHIELD_K8S_CACHE ?? path.join(homedir(), '.cache/kshield-k8s');

/** Why the control plane cannot start on this machine, or undefined when it can. */
export function realClusterMissing(): string | undefined {
  if (!existsSync(path.join(cache, 'bin/kube-apiserver')) || !existsSync(path.join(cache, 'bin/kube-controller-manager'))) {
    return `no kube-apiserver/kube-controller-manager in ${cache}/bin (build them: test/support/k8s/cluster build)`;
  }
  if (spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).status !== 0) return 'no etcd on PATH (apt-get install etcd-server)';
  if (spawnSync('sh', ['-c', 'command -v openssl && command -v curl && command -v python3'], { encoding: 'utf8' }).status !== 0) return 'openssl, curl or python3 missing';
  return undefined;
}

/**
 * The reason to skip `what` (undefined: run it). Prints the loud banner when skipping; under
 * KSHIELD_INTEGRATION=required nothing is skipped, and the suite's `before` must fail on `missing`.
 */
export function skipUnlessRealCluster(what: string): { skip: string | false; missing: string | undefined } {
  return skipLoudly(what, realClusterMissing());
}

export interface ClusterEnv {
  server: string;
  /** The cluster CA, PEM. */
  ca: string;
  admin: string;
  kubeconfig: string;
}

/** What `cluster start DIR` wrote to DIR/env. */
export function readClusterEnv(dir: string): ClusterEnv {
  const text = readFileSync(path.join(dir, 'env'), 'utf8');
  const get = (name: string): string => /"?([^"\n]*)"?$/.exec(text.split('\n').find((l) => l.startsWith(`export ${name}=`))!.slice(`export ${name}=`.length))![1];
  return { server: get('K8S_SERVER'), ca: readFileSync(get('K8S_CA'), 'utf8'), admin: get('K8S_ADMIN_TOKEN'), kubeconfig: get('KUBECONFIG') };
}
