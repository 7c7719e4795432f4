/** A version string the ecosystem's scheme cannot order (not PEP 440, not semantic versioning). */
export class InvalidVersionError extends Error {
  constructor(
    readonly ecosystem: string,
    readonly version: string,
  ) {
    super(`"${version}" is not a valid ${ecosystem} version`);
    this.name = 'InvalidVersionError';
  }
}

/** An ecosystem kshield has no version ordering for. */
export class UnknownEcosystemError extends Error {
  constructor(readonly ecosystem: string) {
    super(`no version ordering for ecosystem "${ecosystem}"`);
    this.name = 'UnknownEcosystemError';
  }
}
