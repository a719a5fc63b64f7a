/** How one thing (a chain, a service, an entry point) differs between two snapshots. */
export type Change = 'added' | 'removed' | 'changed';

export interface BeforeAfter<T> {
  readonly before: T;
  readonly after: T;
}

/** Added or removed when only one snapshot has it; changed when both do (whether anything in it changed is the caller's to say). */
export const changeOf = (before: unknown, after: unknown): Change =>
  !before ? 'added' : !after ? 'removed' : 'changed';
