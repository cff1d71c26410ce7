/**
 * Subjects and subject filters, with NATS's rules on both implementations: subjects are
 * dot-separated non-empty tokens; in a filter `*` stands for exactly one token and `>`,
 * only as the last token, for one or more. The embedded bus matches in JavaScript; NATS
 * matches on the server, so both must agree on what is valid.
 */

const TOKEN = /^[^\s.*>]+$/;

/** Throws a TypeError unless `subject` is a concrete subject (no wildcards). */
export function assertSubject(subject: string): void {
  if (!subject.split('.').every((t) => TOKEN.test(t))) {
    throw new TypeError(`invalid subject "${subject}": dot-separated tokens without whitespace, "*" or ">"`);
  }
}

/** Throws a TypeError unless `filter` is a valid subject filter. */
export function assertFilter(filter: string): void {
  const tokens = filter.split('.');
  const ok = tokens.every((t, i) => TOKEN.test(t) || t === '*' || (t === '>' && i === tokens.length - 1));
  if (!ok) throw new TypeError(`invalid subject filter "${filter}": tokens, "*" for one token, ">" last for the rest`);
}

/** Throws a TypeError unless `group` can name a consumer group. */
export function assertGroup(group: string): void {
  if (group.length === 0 || group.length > 200 || /\s/.test(group)) {
    throw new TypeError(`invalid consumer group "${group}": 1..200 characters, no whitespace`);
  }
}

/** True when `subject` matches one of `filters`. */
export type SubjectMatcher = (subject: string) => boolean;

/** Compiles filters once; matching then splits the subject once. */
export function compileFilters(filters: readonly string[]): SubjectMatcher {
  const compiled = filters.map((f) => f.split('.'));
  return (subject) => {
    const tokens = subject.split('.');
    return compiled.some((filter) => matchTokens(tokens, filter));
  };
}

function matchTokens(subject: string[], filter: string[]): boolean {
  for (let i = 0; i < filter.length; i++) {
    const f = filter[i];
    if (f === '>') return subject.length > i;
    if (i >= subject.length) return false;
    if (f !== '*' && f !== subject[i]) return false;
  }
  return subject.length === filter.length;
}
