/**
 * Opaque, signed keyset-pagination cursors.
 */
export { CursorCodec, type SortKey } from './cursor.ts';
