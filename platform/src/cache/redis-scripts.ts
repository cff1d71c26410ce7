/**
 * Lua scripts the Redis cache registers through ioredis's `scripts` option (EVALSHA with
 * an EVAL fallback). Each declares its keys in `numberOfKeys` (or, for a variable number
 * of keys, takes the count as its first argument), so ioredis applies the key prefix to
 * KEYS[] and Redis Cluster could route them; scripts never build key names.
 */

/** Script commands added to the ioredis client, with the argument order the Lua expects. */
export interface CacheScriptCommands {
  cacheIncrCreatingWithTtl(key: string, by: number, ttlMs: number): Promise<number>;
  /** Variadic keys: the key count, the counter key and the marker keys, then the TTL and one member per marker. */
  cacheCountFirstSeen(...args: (string | number)[]): Promise<number[]>;
  cacheZincrbyMany(key: string, ...incrementThenMember: string[]): Promise<string[]>;
  cacheTakeToken(
    key: string,
    capacity: number,
    refillPerSecond: number,
    cost: number,
  ): Promise<[allowed: number, remaining: number, retryAfterMs: number, resetMs: number]>;
}

export const cacheScripts = {
  /**
   * INCRBY that sets a TTL only when it creates the key. EXISTS then INCRBY inside one
   * script is atomic; PEXPIRE NX would need Redis 7 and cannot tell "created" from
   * "existed without TTL".
   */
  cacheIncrCreatingWithTtl: {
    numberOfKeys: 1,
    lua: `
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value
`,
  },

  /**
   * Dedupe and count a batch of events in one command: SET NX PX each marker (KEYS[2..])
   * and, for those that were absent, ZINCRBY the counter (KEYS[1]) once per distinct
   * member with how many of its events were new. The per-event work stays on the server;
   * the client sends one EVALSHA per batch.
   */
  cacheCountFirstSeen: {
    lua: `
local ttl = ARGV[1]
local counted = {}
local perMember = {}
local members = {}
for i = 2, #KEYS do
  local member = ARGV[i]
  if redis.call('SET', KEYS[i], '1', 'PX', ttl, 'NX') then
    counted[i - 1] = 1
    if perMember[member] == nil then
      perMember[member] = 0
      members[#members + 1] = member
    end
    perMember[member] = perMember[member] + 1
  else
    counted[i - 1] = 0
  end
end
for _, member in ipairs(members) do redis.call('ZINCRBY', KEYS[1], perMember[member], member) end
return counted
`,
  },

  /** ZINCRBY for several members of one set in one command; replies the new scores as strings (exact doubles). */
  cacheZincrbyMany: {
    numberOfKeys: 1,
    lua: `
local scores = {}
for i = 1, #ARGV, 2 do
  scores[#scores + 1] = redis.call('ZINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
return scores
`,
  },

  /**
   * Token bucket as a hash {tokens, ts}, same arithmetic as `token-bucket.ts`. The clock is
   * Redis TIME, so every node agrees however skewed their own clocks are. The hash expires
   * when the bucket would be full again: an idle bucket costs no memory.
   */
  cacheTakeToken: {
    numberOfKeys: 1,
    lua: `
-- Redis < 5 replicates scripts verbatim and forbids writes after TIME unless effects
-- replication is on; later versions always replicate effects and ignore this call.
if redis.replicate_commands then redis.replicate_commands() end
local capacity = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2]) / 1000
local cost = tonumber(ARGV[3])
local slack = 1e-9
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local refilledAt = tonumber(state[2])
if tokens == nil or refilledAt == nil then
  tokens = capacity
  refilledAt = now
end
-- A clock that went backwards (failover) refills nothing rather than draining the bucket.
if now > refilledAt then
  tokens = math.min(capacity, tokens + (now - refilledAt) * perMs)
  refilledAt = now
end
local allowed = 0
local retryAfter = 0
if tokens + slack >= cost then
  tokens = math.max(0, tokens - cost)
  allowed = 1
else
  retryAfter = math.ceil((cost - tokens) / perMs)
end
local reset = math.max(0, math.ceil((capacity - tokens - slack) / perMs))
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.17g', refilledAt))
-- '%.0f' because a huge reset would otherwise print as 1e+14, which PEXPIRE rejects.
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.max(reset, 1)))
return { allowed, math.floor(tokens + slack), retryAfter, reset }
`,
  },
} as const;
