/** The empty list that records with nothing in a list share: frozen, so that no holder can fill it for the others. */
export const NONE: readonly never[] = Object.freeze([]);
