--[[
  Counts ingest batches written and enqueued by the listing, only while the caller holds its lease.
  KEYS: 1 run hash, 2 listing lease
  ARGV: 1 owner, 2 batches listed so far, 3 inputs in the new batches, 4 now (ms)
  Returns 1, or 0 when the lease belongs to another owner (or expired).
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('HINCRBY', KEYS[1], 'inputs', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'ingest:queued', ARGV[3])
redis.call('HSET', KEYS[1], 'batches', ARGV[2], 'updatedAt', ARGV[4])
return 1
