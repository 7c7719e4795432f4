/**
 * Exposure: what the manifests open to the outside and how. Service types that publish ports on
 * nodes or cloud load balancers, external IPs, Ingresses without (or with incomplete) TLS,
 * catch-all Ingresses, ExternalName aliases of internal endpoints, Gateway listeners without
 * TLS, and Service ports that reach no container port.
 *
 * Already covered elsewhere, not repeated here: hostPort (`host-port`) and hostNetwork
 * (`host-network`) in pod-security.ts, Services selecting no pods (`dangling-service`) and
 * Ingresses routing to missing Services (`dangling-ingress`) in reliability.ts, malformed port
 * names and numbers (`invalid-port`), port 22 declared by a container (`ssh-port-exposed`).
 *
 * Cross-object rules find the pods of a Service through reliability.ts's per-run label index.
 */
import type { Rule } from '../../engine/rule.js';
import { serviceTypeNodeport } from './service-type-nodeport.js';
import { loadBalancerUnrestricted } from './load-balancer-unrestricted.js';
import { sensitivePortExposed } from './sensitive-port-exposed.js';
import { serviceExternalIps } from './service-external-ips.js';
import { ingressTlsMissing } from './ingress-tls-missing.js';
import { ingressTlsHostMismatch } from './ingress-tls-host-mismatch.js';
import { ingressCatchAll } from './ingress-catch-all.js';
import { externalNameSensitiveTarget } from './external-name-sensitive-target.js';
import { gatewayListenerWithoutTls } from './gateway-listener-without-tls.js';
import { serviceTargetPortNameMissing } from './service-target-port-name-missing.js';
import { serviceTargetPortUndeclared } from './service-target-port-undeclared.js';
import { externalTrafficPolicyCluster } from './external-traffic-policy-cluster.js';
import { backendPlaintextBehindTls } from './backend-plaintext-behind-tls.js';

export const exposureRules: Rule[] = [serviceTypeNodeport, loadBalancerUnrestricted, sensitivePortExposed, serviceExternalIps, ingressTlsMissing, ingressTlsHostMismatch, ingressCatchAll, externalNameSensitiveTarget, gatewayListenerWithoutTls, serviceTargetPortNameMissing, serviceTargetPortUndeclared, externalTrafficPolicyCluster, backendPlaintextBehindTls];
