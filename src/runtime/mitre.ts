/**
 * MITRE ATT&CK: which tactics a technique serves, for the techniques Falco's default rules tag
 * (falco_rules.yaml tags rules with technique ids such as `T1059` and tactic tags such as
 * `mitre_execution`) and those kshield's own runtime rules name in `frameworks.mitre`. Tactic names
 * are ATT&CK's short names (`privilege-escalation`), the form ATT&CK's STIX data and Navigator use.
 * Facts from ATT&CK Enterprise (techniques' "Tactics" field); a technique not in the table keeps
 * its id and gets no tactic rather than a guessed one.
 */

export const MITRE_TACTICS = [
  'reconnaissance',
  'resource-development',
  'initial-access',
  'execution',
  'persistence',
  'privilege-escalation',
  'defense-evasion',
  'credential-access',
  'discovery',
  'lateral-movement',
  'collection',
  'command-and-control',
  'exfiltration',
  'impact',
] as const;
export type MitreTactic = (typeof MITRE_TACTICS)[number];

/** Technique id (without sub-technique) → its tactics, as ATT&CK Enterprise lists them. */
const TECHNIQUE_TACTICS: Readonly<Record<string, readonly MitreTactic[]>> = {
  T1003: ['credential-access'], // OS Credential Dumping
  T1014: ['defense-evasion'], // Rootkit
  T1020: ['exfiltration'], // Automated Exfiltration
  T1021: ['lateral-movement'], // Remote Services
  T1027: ['defense-evasion'], // Obfuscated Files or Information
  T1036: ['defense-evasion'], // Masquerading
  T1046: ['discovery'], // Network Service Discovery
  T1048: ['exfiltration'], // Exfiltration Over Alternative Protocol
  T1053: ['execution', 'persistence', 'privilege-escalation'], // Scheduled Task/Job
  T1055: ['defense-evasion', 'privilege-escalation'], // Process Injection
  T1057: ['discovery'], // Process Discovery
  T1059: ['execution'], // Command and Scripting Interpreter
  T1068: ['privilege-escalation'], // Exploitation for Privilege Escalation
  T1070: ['defense-evasion'], // Indicator Removal
  T1071: ['command-and-control'], // Application Layer Protocol
  T1078: ['defense-evasion', 'persistence', 'privilege-escalation', 'initial-access'], // Valid Accounts
  T1082: ['discovery'], // System Information Discovery
  T1083: ['discovery'], // File and Directory Discovery
  T1090: ['command-and-control'], // Proxy
  T1095: ['command-and-control'], // Non-Application Layer Protocol
  T1098: ['persistence', 'privilege-escalation'], // Account Manipulation
  T1105: ['command-and-control'], // Ingress Tool Transfer
  T1106: ['execution'], // Native API
  T1133: ['persistence', 'initial-access'], // External Remote Services
  T1190: ['initial-access'], // Exploit Public-Facing Application
  T1203: ['execution'], // Exploitation for Client Execution
  T1204: ['execution'], // User Execution
  T1222: ['defense-evasion'], // File and Directory Permissions Modification
  T1485: ['impact'], // Data Destruction
  T1496: ['impact'], // Resource Hijacking
  T1499: ['impact'], // Endpoint Denial of Service
  T1528: ['credential-access'], // Steal Application Access Token
  T1543: ['persistence', 'privilege-escalation'], // Create or Modify System Process
  T1547: ['persistence', 'privilege-escalation'], // Boot or Logon Autostart Execution
  T1548: ['privilege-escalation', 'defense-evasion'], // Abuse Elevation Control Mechanism
  T1552: ['credential-access'], // Unsecured Credentials (T1552.007: Container API)
  T1555: ['credential-access'], // Credentials from Password Stores
  T1556: ['credential-access', 'defense-evasion', 'persistence'], // Modify Authentication Process
  T1562: ['defense-evasion'], // Impair Defenses
  T1565: ['impact'], // Data Manipulation
  T1571: ['command-and-control'], // Non-Standard Port
  T1574: ['persistence', 'privilege-escalation', 'defense-evasion'], // Hijack Execution Flow
  T1609: ['execution'], // Container Administration Command
  T1610: ['defense-evasion', 'execution'], // Deploy Container
  T1611: ['privilege-escalation'], // Escape to Host
  T1612: ['defense-evasion'], // Build Image on Host
  T1613: ['discovery'], // Container and Resource Discovery
  T1620: ['defense-evasion'], // Reflective Code Loading
};

const TECHNIQUE_ID = /^T\d{4}(?:\.\d{3})?$/;

export function isTechniqueId(value: string): boolean {
  return TECHNIQUE_ID.test(value);
}

/** The tactics of these techniques (sub-techniques take their parent's), in ATT&CK's order, without repeats. */
export function tacticsOf(techniques: readonly string[]): MitreTactic[] {
  const found = new Set<MitreTactic>();
  for (const t of techniques) for (const tactic of TECHNIQUE_TACTICS[t.toUpperCase().split('.')[0]] ?? []) found.add(tactic);
  return MITRE_TACTICS.filter((t) => found.has(t));
}

/** `mitre_privilege_escalation` → `privilege-escalation`; undefined for any other tag. */
export function tacticFromTag(tag: string): MitreTactic | undefined {
  const m = /^mitre_([a-z_]+)$/i.exec(tag.trim());
  if (!m) return undefined;
  const name = m[1].toLowerCase().replace(/_/g, '-');
  return (MITRE_TACTICS as readonly string[]).includes(name) ? (name as MitreTactic) : undefined;
}

/**
 * Techniques and tactics from an alert's tags: technique ids as written (`T1059`, `T1552.007`),
 * tactics from `mitre_*` tags and from the techniques' table entries. Undefined when none.
 */
export function mitreFromTags(tags: readonly string[], extraTechniques: readonly string[] = []): { techniques: string[]; tactics: string[] } | undefined {
  const techniques = [...new Set([...tags.map((t) => t.trim().toUpperCase()).filter(isTechniqueId), ...extraTechniques.map((t) => t.toUpperCase()).filter(isTechniqueId)])];
  const tactics = new Set<string>(tacticsOf(techniques));
  for (const tag of tags) {
    const tactic = tacticFromTag(tag);
    if (tactic) tactics.add(tactic);
  }
  if (techniques.length === 0 && tactics.size === 0) return undefined;
  return { techniques, tactics: MITRE_TACTICS.filter((t) => tactics.has(t)) };
}
