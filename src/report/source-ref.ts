/** `file:line`, the way editors and terminals turn a location into a link. */
import type { SourceRef } from '../model/source';

export const formatSourceRef = (r: SourceRef) => `${r.path || '<stdin>'}:${r.line}`;
