/** A mistake in how the command was called: exit code 2 with a one-line message. */
export class UsageError extends Error {}

/** A report or file kshield was asked to write could not be written: exit code 2, other outputs still written. */
export class OutputError extends Error {}

/** 0 clean, 1 findings at or above --fail-on, 2 usage/input/output problem, 3 a bug in kshield (with a stack trace to report). */
export const EXIT = { clean: 0, findings: 1, usage: 2, internal: 3 } as const;
