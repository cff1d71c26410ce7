/**
 * Contract cases for sorted sets: the shapes trending (top N by score, paged) and
 * presence (members seen since a time, pruning the stale) rely on, with Redis's tie order.
 */
import assert from 'node:assert/strict';
import type { ContractContext } from './contract.case.ts';
import type { ScoredMember } from './interface.ts';

const names = (members: ScoredMember[]) => members.map((m) => m.member);

export function sortedSetCases(ctx: ContractContext): void {
  const { it } = ctx;

  it('zadd counts new members, updates scores of existing ones, and zscore reads them', async () => {
    const { cache } = ctx;
    assert.equal(await cache.zadd('zs:basic', [{ member: 'a', score: 1 }, { member: 'b', score: 2.5 }]), 2);
    assert.equal(await cache.zadd('zs:basic', [{ member: 'a', score: -4.25 }, { member: 'c', score: 3 }]), 1);
    assert.equal(await cache.zscore('zs:basic', 'a'), -4.25);
    assert.equal(await cache.zscore('zs:basic', 'missing'), null);
    assert.equal(await cache.zscore('zs:nokey', 'a'), null);
    assert.equal(await cache.zcard('zs:basic'), 3);
    assert.equal(await cache.zcard('zs:nokey'), 0);
    assert.equal(await cache.zadd('zs:basic', []), 0);
  });

  it('zincrby adds to a score, starting a missing member at 0', async () => {
    const { cache } = ctx;
    assert.equal(await cache.zincrby('zs:incr', 'video1', 1), 1);
    assert.equal(await cache.zincrby('zs:incr', 'video1', 2.5), 3.5);
    assert.equal(await cache.zincrby('zs:incr', 'video1', -0.5), 3);
    assert.equal(await cache.zscore('zs:incr', 'video1'), 3);
  });

  it('zincrby from concurrent callers loses no increment', async () => {
    const { cache } = ctx;
    await Promise.all(Array.from({ length: 100 }, (_, i) => cache.zincrby('zs:hot', `v${i % 4}`, 1)));
    assert.deepEqual(
      await cache.zrevrange('zs:hot', 0, -1),
      ['v3', 'v2', 'v1', 'v0'].map((member) => ({ member, score: 25 })),
    );
  });

  it('zrevrange orders by score descending and ties by member descending', async () => {
    const { cache } = ctx;
    await cache.zadd('zs:ties', [
      { member: 'a', score: 1 },
      { member: 'c', score: 2 },
      { member: 'b', score: 1 },
      { member: 'd', score: 0 },
      { member: 'aa', score: 1 },
    ]);
    assert.deepEqual(await cache.zrevrange('zs:ties', 0, -1), [
      { member: 'c', score: 2 },
      { member: 'b', score: 1 },
      { member: 'aa', score: 1 },
      { member: 'a', score: 1 },
      { member: 'd', score: 0 },
    ]);
  });

  it('ties order by UTF-8 bytes, as Redis does, also for astral characters', async () => {
    const { cache } = ctx;
    // Bytes: 'z' 7A < U+FF5E EF BD 9E < U+1F600 F0 9F 98 80; UTF-16 code units would put U+1F600 first.
    await cache.zadd('zs:utf8', ['z', '\u{FF5E}', '\u{1F600}', 'é'].map((member) => ({ member, score: 7 })));
    assert.deepEqual(names(await cache.zrevrange('zs:utf8', 0, -1)), ['\u{1F600}', '\u{FF5E}', 'é', 'z']);
  });

  it('zrevrange pages a top list by rank, with negative ranks from the bottom', async () => {
    const { cache } = ctx;
    await cache.zadd('zs:top', Array.from({ length: 10 }, (_, i) => ({ member: `m${i}`, score: i })));
    const page = (n: number) => cache.zrevrange('zs:top', n * 3, n * 3 + 2).then(names);
    assert.deepEqual(await page(0), ['m9', 'm8', 'm7']);
    assert.deepEqual(await page(1), ['m6', 'm5', 'm4']);
    assert.deepEqual(await page(3), ['m0']);
    assert.deepEqual(await page(4), []);
    assert.deepEqual(names(await cache.zrevrange('zs:top', -2, -1)), ['m1', 'm0']);
    assert.deepEqual(names(await cache.zrevrange('zs:top', 5, 2)), []);
    assert.deepEqual(await cache.zrevrange('zs:nokey', 0, -1), []);
  });

  it('zrangeByScoreDesc returns members with score in [min, max], newest first, paged', async () => {
    const { cache } = ctx;
    // Presence: member = device, score = last-seen time.
    await cache.zadd('zs:seen', [
      { member: 'dev1', score: 1000 },
      { member: 'dev2', score: 2000 },
      { member: 'dev3', score: 3000 },
      { member: 'dev4', score: 4000 },
      { member: 'dev5', score: 5000 },
    ]);
    assert.deepEqual(names(await cache.zrangeByScoreDesc('zs:seen', { min: 3000 })), ['dev5', 'dev4', 'dev3']);
    assert.deepEqual(await cache.zrangeByScoreDesc('zs:seen', { min: 2000, max: 3000 }), [
      { member: 'dev3', score: 3000 },
      { member: 'dev2', score: 2000 },
    ]);
    assert.deepEqual(names(await cache.zrangeByScoreDesc('zs:seen', { min: 0, offset: 1, limit: 2 })), ['dev4', 'dev3']);
    assert.deepEqual(names(await cache.zrangeByScoreDesc('zs:seen', { min: 0, offset: 4, limit: 2 })), ['dev1']);
    assert.deepEqual(await cache.zrangeByScoreDesc('zs:seen', { min: 0, limit: 0 }), []);
    assert.deepEqual(await cache.zrangeByScoreDesc('zs:seen', { min: 6000 }), []);
    assert.deepEqual(names(await cache.zrangeByScoreDesc('zs:seen', { min: -Infinity, max: 1500 })), ['dev1']);
    await assert.rejects(cache.zrangeByScoreDesc('zs:seen', { min: 0, offset: -1 }), RangeError);
  });

  it('zrem removes members and deletes the set once empty', async () => {
    const { cache } = ctx;
    await cache.zadd('zs:rem', [{ member: 'a', score: 1 }, { member: 'b', score: 2 }]);
    assert.equal(await cache.zrem('zs:rem', 'a', 'missing'), 1);
    assert.deepEqual(names(await cache.zrevrange('zs:rem', 0, -1)), ['b']);
    assert.equal(await cache.zrem('zs:rem', 'b'), 1);
    assert.equal(await cache.delete('zs:rem'), 0, 'an emptied set is gone');
    assert.equal(await cache.zrem('zs:nokey', 'a'), 0);
  });

  it('zremRangeByScore prunes an inclusive score range', async () => {
    const { cache } = ctx;
    await cache.zadd('zs:prune', Array.from({ length: 6 }, (_, i) => ({ member: `d${i}`, score: i * 10 })));
    assert.equal(await cache.zremRangeByScore('zs:prune', -Infinity, 20), 3);
    assert.deepEqual(names(await cache.zrevrange('zs:prune', 0, -1)), ['d5', 'd4', 'd3']);
    assert.equal(await cache.zremRangeByScore('zs:prune', 31, 39), 0);
    assert.equal(await cache.zremRangeByScore('zs:prune', 30, Infinity), 3);
    assert.equal(await cache.zcard('zs:prune'), 0);
  });

  it('scores keep full double precision and infinities', async () => {
    const { cache } = ctx;
    const scores = [0.1 + 0.2, 1e21, -1.5e-7, 1712345678901.123, Infinity, -Infinity];
    await cache.zadd('zs:precise', scores.map((score, i) => ({ member: `s${i}`, score })));
    for (const [i, score] of scores.entries()) assert.equal(await cache.zscore('zs:precise', `s${i}`), score);
    assert.deepEqual(names(await cache.zrevrange('zs:precise', 0, 0)), ['s4']);
    await assert.rejects(cache.zadd('zs:precise', [{ member: 'nan', score: NaN }]), RangeError);
  });

  it('a large zadd followed by small updates keeps the order right', async () => {
    const { cache } = ctx;
    const members = Array.from({ length: 1000 }, (_, i) => ({ member: `v${i}`, score: (i * 7919) % 1000 }));
    assert.equal(await cache.zadd('zs:large', members), 1000);
    await cache.zadd('zs:large', [{ member: 'v1', score: 5000 }]);
    await cache.zincrby('zs:large', 'v2', 4000);
    await cache.zrem('zs:large', 'v3');
    const expected = members
      .filter((m) => m.member !== 'v3')
      .map((m) => (m.member === 'v1' ? { member: 'v1', score: 5000 } : m.member === 'v2' ? { ...m, score: m.score + 4000 } : m))
      .sort((x, y) => y.score - x.score || (x.member < y.member ? 1 : -1));
    assert.deepEqual(await cache.zrevrange('zs:large', 0, -1), expected);
    assert.deepEqual(await cache.zrangeByScoreDesc('zs:large', { min: 990 }), expected.filter((m) => m.score >= 990));
  });
}
