/**
 * The in-process sorted set behind the memory cache: a Map from member to score for O(1)
 * lookups, plus an array kept in Redis order (score ascending, ties by member bytes) for
 * ranges. Small writes patch the array by binary search; a large batch marks it stale
 * and it is re-sorted once on the next read, so bulk `zadd` never costs O(n²).
 */
import type { ScoredMember } from './interface.ts';

/** Writes of at most this many members patch the ordered array in place; more re-sort once. */
const PATCH_LIMIT = 16;

/**
 * Orders strings by UTF-8 bytes, as Redis orders members with equal scores. JS `<` compares
 * UTF-16 code units, which puts astral characters (surrogate pairs) below U+E000–U+FFFF;
 * shifting those two ranges restores code-point (= UTF-8 byte) order.
 */
export function compareMembers(a: string, b: string): number {
  if (a === b) return 0;
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return codePointRank(ca) - codePointRank(cb);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

function compareEntries(a: ScoredMember, b: ScoredMember): number {
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  return compareMembers(a.member, b.member);
}

export class SortedSet {
  readonly #scores = new Map<string, number>();
  /** Ascending Redis order; null when stale. Entries are never mutated, only replaced. */
  #ascending: ScoredMember[] | null = [];

  get size(): number {
    return this.#scores.size;
  }

  score(member: string): number | undefined {
    return this.#scores.get(member);
  }

  /** Sets each member's score (the last one wins for repeats); returns how many were new. */
  setScores(members: readonly ScoredMember[]): number {
    if (members.length > PATCH_LIMIT) this.#ascending = null;
    let added = 0;
    for (const { member, score } of members) {
      const previous = this.#scores.get(member);
      if (previous === undefined) added++;
      else if (previous === score) continue;
      this.#scores.set(member, score);
      if (this.#ascending === null) continue;
      if (previous !== undefined) this.#ascending.splice(this.#indexOf({ member, score: previous }), 1);
      const entry = { member, score };
      this.#ascending.splice(this.#lowerBound(entry), 0, entry);
    }
    return added;
  }

  /** Adds `by` to a member's score, starting from 0; returns the new score. */
  increment(member: string, by: number): number {
    const score = (this.#scores.get(member) ?? 0) + by;
    this.setScores([{ member, score }]);
    return score;
  }

  /**
   * Adds each `by` to its member's score (repeats add up); returns the new scores in
   * order. One `setScores` call, so a batch beyond the patch limit re-sorts once, on the
   * next read, instead of patching the array per member.
   */
  incrementMany(increments: readonly ScoredMember[]): number[] {
    const totals = new Map<string, number>();
    const scores = increments.map(({ member, score: by }) => {
      const score = (totals.get(member) ?? this.#scores.get(member) ?? 0) + by;
      totals.set(member, score);
      return score;
    });
    this.setScores([...totals].map(([member, score]) => ({ member, score })));
    return scores;
  }

  /** Removes members; returns how many existed. */
  remove(members: readonly string[]): number {
    if (members.length > PATCH_LIMIT) this.#ascending = null;
    let removed = 0;
    for (const member of members) {
      const score = this.#scores.get(member);
      if (score === undefined) continue;
      this.#scores.delete(member);
      removed++;
      this.#ascending?.splice(this.#indexOf({ member, score }), 1);
    }
    return removed;
  }

  /** Ranks `start`..`stop` from the highest score, with Redis's negative-rank rules. */
  rangeByRankDesc(start: number, stop: number): ScoredMember[] {
    const ascending = this.#ordered();
    const n = ascending.length;
    const first = Math.max(start < 0 ? start + n : start, 0);
    const last = Math.min(stop < 0 ? stop + n : stop, n - 1);
    const page: ScoredMember[] = [];
    for (let rank = first; rank <= last; rank++) page.push({ ...ascending[n - 1 - rank]! });
    return page;
  }

  /** Members with `min <= score <= max`, highest first, skipping `offset`, at most `limit`. */
  rangeByScoreDesc(min: number, max: number, offset: number, limit: number): ScoredMember[] {
    const ascending = this.#ordered();
    const page: ScoredMember[] = [];
    let skip = offset;
    for (let i = this.#countAtMost(max) - 1; i >= 0 && page.length < limit; i--) {
      const entry = ascending[i]!;
      if (entry.score < min) break;
      if (skip > 0) skip--;
      else page.push({ ...entry });
    }
    return page;
  }

  /** Removes members with `min <= score <= max`; returns how many. */
  removeByScore(min: number, max: number): number {
    const ascending = this.#ordered();
    const from = this.#countBelow(min);
    const to = this.#countAtMost(max);
    if (to <= from) return 0;
    for (const { member } of ascending.splice(from, to - from)) this.#scores.delete(member);
    return to - from;
  }

  #ordered(): ScoredMember[] {
    this.#ascending ??= [...this.#scores].map(([member, score]) => ({ member, score })).sort(compareEntries);
    return this.#ascending;
  }

  /** First index whose entry sorts at or after `entry`. */
  #lowerBound(entry: ScoredMember): number {
    const ascending = this.#ordered();
    let lo = 0;
    let hi = ascending.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareEntries(ascending[mid]!, entry) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #indexOf(entry: ScoredMember): number {
    const index = this.#lowerBound(entry);
    const found = this.#ordered()[index];
    if (found?.member !== entry.member) throw new Error(`sorted set index lost member ${entry.member}`);
    return index;
  }

  /** Number of entries with score < `score`. */
  #countBelow(score: number): number {
    return this.#partition((s) => s < score);
  }

  /** Number of entries with score <= `score`. */
  #countAtMost(score: number): number {
    return this.#partition((s) => s <= score);
  }

  /** Index of the first entry failing `before`, which must hold for a prefix of the array. */
  #partition(before: (score: number) => boolean): number {
    const ascending = this.#ordered();
    let lo = 0;
    let hi = ascending.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(ascending[mid]!.score)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
