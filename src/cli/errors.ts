/** A mistake in how the command was called: exit code 2 with a one-line message. */
export class UsageError extends Error {}

export const EXIT = { clean: 0, findings: 1, usage: 2 } as const;
