/** An injectable clock, so tests can pin "now" for expiry, TTLs and time windows. */

/** Returns the current time in epoch milliseconds. */
export type Clock = () => number;

/** The real wall clock. */
export const systemClock: Clock = () => Date.now();
