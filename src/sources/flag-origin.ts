/** Where a node's flag or setting came from: shared by the node's sources (node.ts, rancher.ts, systemd.ts) and the checks. */

/** The Rancher distributions whose own configuration files kshield reads. */
export type Distro = 'k3s' | 'rke2';

/** Where a flag's value came from. */
export interface FlagOrigin {
  /** Node path of the file that sets it: a manifest, config file, unit, environment file or /proc entry. */
  file?: string;
  /** 1-based line in that file, when known. */
  line?: number;
  /** The key or variable inside the file (`kube-apiserver-arg`, `KUBELET_KUBEADM_ARGS`, `client-transport-security.cert-file`). */
  via?: string;
  /** Written nowhere: the distribution sets it by itself (see DISTRO_DEFAULTS in rancher.ts). */
  defaultOf?: Distro;
}
