/**
 * The API server's format checks for ports, as Kubernetes applies them (apimachinery's
 * `IsValidPortName`, `IsValidPortNum`, `IsDNS1123Label`, the supported port protocols, and the
 * `intstr` rules of `ValidatePortNumOrName`), so that rules calling something "rejected" agree with
 * the API server field by field:
 *
 * | field                                              | rule                                       |
 * | -------------------------------------------------- | ------------------------------------------ |
 * | container `ports[].name`                           | IANA_SVC_NAME ({@link portNameProblem}), unique within the container |
 * | container `ports[].containerPort`                  | required, 1-65535                          |
 * | container `ports[].hostPort`                       | 0 (unset) or 1-65535                       |
 * | `ports[].protocol` (containers, Services)          | TCP, UDP or SCTP, exactly; unset = TCP     |
 * | Service `ports[].name`                             | DNS-1123 label ({@link dns1123LabelProblem}): up to 63 characters |
 * | Service `ports[].port`                             | 1-65535                                    |
 * | Service `ports[].targetPort`                       | 0 or "" = the port; else number or IANA_SVC_NAME |
 * | probe and lifecycle `httpGet`/`tcpSocket` `port`   | number 1-65535 or IANA_SVC_NAME            |
 * | probe `grpc.port`                                  | number 1-65535                             |
 * | NetworkPolicy `ports[].port`                       | number 1-65535 or IANA_SVC_NAME            |
 *
 * A port written as a quoted number ("8080") is a string to the API (`intstr` keeps the JSON type),
 * and a string is judged as a name: it has no letter, so it is rejected wherever a name may stand.
 */

/** Why `name` is not an IANA service name as Kubernetes accepts it (IsValidPortName), or undefined. */
export function portNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 15) return `is ${name.length} characters long (at most 15)`;
  if (!/^[-a-z0-9]+$/.test(name)) return 'may contain only lowercase letters, digits and "-"';
  if (!/[a-z]/.test(name)) return /^\d+$/.test(name) ? 'is a number written as a string, which Kubernetes reads as a port name, and a port name needs a letter: write it without quotes' : 'must contain at least one letter';
  if (name.includes('--')) return 'must not contain "--"';
  if (name.startsWith('-') || name.endsWith('-')) return 'must not start or end with "-"';
  return undefined;
}

/** Why `value` is not a port number (IsValidPortNum: an integer in 1-65535), or undefined. */
export function portNumberProblem(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value)) return `must be a whole number, but is ${value === undefined ? 'missing' : JSON.stringify(value)}`;
  if (value < 1 || value > 65535) return `${value} is outside 1-65535`;
  return undefined;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why `value` is not a DNS-1123 label (IsDNS1123Label: at most 63 characters), or undefined. */
export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length > 63) return `is ${value.length} characters long (at most 63)`;
  if (!DNS1123_LABEL.test(value)) return 'must consist of lowercase letters, digits and "-", and start and end with a letter or digit';
  return undefined;
}

const PORT_PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

/** Why a `protocol` field is not accepted (unset and "" default to TCP; the names are case-sensitive), or undefined. */
export function protocolProblem(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' && (PORT_PROTOCOLS as readonly string[]).includes(value)) return undefined;
  return `${JSON.stringify(value)} is not one of ${PORT_PROTOCOLS.join(', ')} (uppercase)`;
}

/**
 * Why a port given as a number or a name (`intstr`, ValidatePortNumOrName: probes, lifecycle
 * handlers, Service targetPorts, NetworkPolicy ports) is rejected, or undefined. A string is judged
 * as a name, whatever it holds.
 */
export function portNumOrNameProblem(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const problem = portNameProblem(value);
    return problem && `name "${value}" ${problem}`;
  }
  return portNumberProblem(value);
}

/** Whether a port given as a number or a name is a name Kubernetes accepts (so that resolving it means something). */
export function isValidPortName(value: unknown): value is string {
  return typeof value === 'string' && portNameProblem(value) === undefined;
}
