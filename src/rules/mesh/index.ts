/**
 * Service meshes: which workloads are in Istio (sidecar or ambient), Linkerd or Consul, the mutual
 * TLS they accept, and mesh authorization that does not do what it says. Built on
 * src/analysis/mesh.ts; judged from manifests (Namespace objects carry the injection labels).
 */
import type { Rule } from '../../engine/rule.js';
import { meshMtlsNotStrict } from './mesh-mtls-not-strict.js';
import { workloadOutsideMesh } from './workload-outside-mesh.js';
import { meshDestinationRuleTlsDisabled } from './mesh-destinationrule-tls-disabled.js';
import { meshAuthorizationAllowAll } from './mesh-authorization-allow-all.js';
import { meshAuthorizationPrincipalsWithoutMtls } from './mesh-authorization-principals-without-mtls.js';
import { linkerdDefaultInboundAllUnauthenticated } from './linkerd-default-inbound-all-unauthenticated.js';

export const meshRules: Rule[] = [meshMtlsNotStrict, workloadOutsideMesh, meshDestinationRuleTlsDisabled, meshAuthorizationAllowAll, meshAuthorizationPrincipalsWithoutMtls, linkerdDefaultInboundAllUnauthenticated];
