/**
 * A token bucket per API token, in Redis so that every service replica shares it. The bucket holds up
 * to `perMinute` requests and refills at `perMinute` per minute; Redis's own clock is used so replicas
 * with skewed clocks agree.
 */
import type { Redis } from 'ioredis';

export interface RateDecision {
  allowed: boolean;
  /** Requests left in the bucket after this one. */
  remaining: number;
  /** When refused: seconds until one request's worth has refilled. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  readonly perMinute: number;
  take(subject: string): Promise<RateDecision>;
}

// KEYS[1] bucket hash; ARGV[1] capacity, ARGV[2] refill per millisecond. Returns {allowed, remaining, retryAfterMs}.
const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - at) * refill)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) / refill)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / refill) + 1000)
return {allowed, math.floor(tokens), retry}
`;

/** Buckets live under `<keyPrefix>:rate:` (keyPrefix: the deployment's QUEUE_PREFIX). */
type TakeCommand = (key: string, capacity: number, refillPerMs: number) => Promise<[number, number, number]>;

export function createRateLimiter(redis: Redis, perMinute: number, keyPrefix: string): RateLimiter {
  const refillPerMs = perMinute / 60_000;
  // A defined command runs by EVALSHA: the script is sent once per connection, not with every request.
  if (!('spatialforgeTakeToken' in redis)) redis.defineCommand('spatialforgeTakeToken', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  const take = (redis as unknown as { spatialforgeTakeToken: TakeCommand }).spatialforgeTakeToken.bind(redis);
  return {
    perMinute,
    async take(subject) {
      if (perMinute <= 0) return { allowed: true, remaining: Infinity, retryAfterSeconds: 0 };
      const [allowed, remaining, retryMs] = await take(`${keyPrefix}:rate:${subject}`, perMinute, refillPerMs);
      return { allowed: allowed === 1, remaining, retryAfterSeconds: Math.ceil(retryMs / 1000) };
    },
  };
}
