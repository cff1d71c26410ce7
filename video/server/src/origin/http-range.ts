/**
 * The `Range` request header (RFC 9110 §14.1–14.2) for one file of known size. Only
 * `bytes` ranges count. A single range is served as 206; several ranges are served as
 * the whole file (200), which §14.2 allows and players never need otherwise; a header
 * that does not parse is ignored, as §14.2 requires. Unsatisfiable means no range
 * overlaps the file (a first byte at or past the end, or a zero-length suffix).
 */
export type RangeRequest =
  | { kind: 'whole' }
  | { kind: 'unsatisfiable' }
  | { kind: 'range'; start: number; end: number };

const SPEC = /^(\d*)-(\d*)$/;

export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'whole' };
  const match = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!match) return { kind: 'whole' };
  const specs = match[1]!.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (specs.length === 0) return { kind: 'whole' };
  const ranges: Array<{ start: number; end: number } | null> = [];
  for (const spec of specs) {
    const m = SPEC.exec(spec);
    if (!m || (m[1] === '' && m[2] === '')) return { kind: 'whole' };
    if (m[1] === '') {
      // Suffix: the last N bytes (all of them when N exceeds the size).
      const length = Number(m[2]);
      ranges.push(length === 0 || size === 0 ? null : { start: Math.max(0, size - length), end: size - 1 });
      continue;
    }
    const start = Number(m[1]);
    const last = m[2] === '' ? Number.POSITIVE_INFINITY : Number(m[2]);
    if (last < start) return { kind: 'whole' };
    ranges.push(start >= size ? null : { start, end: Math.min(last, size - 1) });
  }
  const satisfiable = ranges.filter((r) => r !== null);
  if (satisfiable.length === 0) return { kind: 'unsatisfiable' };
  if (specs.length > 1) return { kind: 'whole' };
  return { kind: 'range', ...satisfiable[0]! };
}
