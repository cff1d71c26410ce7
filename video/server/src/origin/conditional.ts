/**
 * Conditional requests against one stored version (RFC 9110 §13): `If-None-Match`
 * (weak comparison, `*` matches any) and, only when it is absent, `If-Modified-Since`
 * decide a 304; `If-Range` keeps a Range only while the client's copy is this version
 * (strong comparison of the entity tag, or the exact Last-Modified date).
 */
export interface Version {
  /** Strong entity tag with its quotes. */
  etag: string;
  lastModified: Date;
}

const opaque = (tag: string) => tag.replace(/^W\//, '');

function matchesAny(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const wanted = opaque(etag);
  return header.split(',').some((candidate) => opaque(candidate.trim()) === wanted);
}

/** True when the client's copy is current and a 304 answers it. */
export function isNotModified(headers: { 'if-none-match'?: string | undefined; 'if-modified-since'?: string | undefined }, version: Version): boolean {
  const inm = headers['if-none-match'];
  if (inm !== undefined) return matchesAny(inm, version.etag);
  const ims = headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  // HTTP dates have whole seconds; an unparsable date is ignored (§13.1.3).
  return !Number.isNaN(since) && Math.floor(version.lastModified.getTime() / 1000) * 1000 <= since;
}

/** True when a Range may be honoured: no If-Range, or one naming this very version. */
export function ifRangeHolds(ifRange: string | undefined, version: Version): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"')) return value === version.etag;
  if (value.startsWith('W/')) return false;
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === Math.floor(version.lastModified.getTime() / 1000) * 1000;
}
