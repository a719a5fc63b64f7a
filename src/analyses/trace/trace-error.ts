/** A walk that cannot be done for this probe on these dumps; callers that walk many probes say so and go on. */
export class TraceError extends Error {}

/**
 * The probe reached chains that jump to each other in a loop. The kernel refuses to load such a ruleset
 * (ELOOP), so the dump was edited by hand or cut together; lint reports the loop itself (LINT_LOOP).
 */
export class JumpLoop extends TraceError {}
