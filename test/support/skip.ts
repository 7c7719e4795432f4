/**
 * How an integration test skips when a real part (a control plane, Chromium, PostgreSQL) is missing
 * on this machine: loudly, with the reason, and never under KSHIELD_INTEGRATION=required (CI), where
 * the suite's `before` must fail on `missing` instead.
 */
export const integrationRequired = process.env.KSHIELD_INTEGRATION === 'required';

/** The reason to skip `what` given what is `missing` (undefined: nothing, run it); prints the banner when skipping. */
export function skipLoudly(what: string, missing: string | undefined): { skip: string | false; missing: string | undefined } {
  if (missing && !integrationRequired) {
    process.stderr.write(
      `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
        `!! SKIPPING ${what}: ${missing}.\n` +
        `!! Set KSHIELD_INTEGRATION=required to make this a failure.\n` +
        `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`,
    );
  }
  return { skip: missing && !integrationRequired ? missing : false, missing };
}
