--[[
  Records one listed input's ingest outcome, counting it once however often its batch runs.
  KEYS: 1 run hash, 2 image states, 3 seen-inputs bitmap, 4 failures list
  ARGV: 1 inputIndex, 2 imageId, 3 outcome ('done' | 'failed'), 4 reused ('1' | '0'), 5 next stage,
        6 failure JSON, 7 now (ms)
  Returns {answer ('new' | 'duplicate' | 'failed'), complete (0 | 1), changed (0 | 1)}.
]]
-- @include run-progress
local index = ARGV[1]
local already = redis.call('SETBIT', KEYS[3], index, 1) == 1
if ARGV[3] == 'failed' then
  if already then return {'failed', complete(), 0} end
  redis.call('HINCRBY', KEYS[1], 'ingest:failed', 1)
  redis.call('HINCRBY', KEYS[1], 'failed', 1)
  redis.call('RPUSH', KEYS[4], ARGV[6])
  touch('ingest', ARGV[7])
  return {'failed', complete(), 1}
end
if already then
  local cur = redis.call('HGET', KEYS[2], ARGV[2])
  if not cur then return {'failed', complete(), 0} end
  local idx, stage, st = string.match(cur, '^(%d+)|(%d+)|(%a)$')
  if idx ~= index then return {'duplicate', complete(), 0} end
  if st == 'd' then return {'new', complete(), 0} end
  return {'failed', complete(), 0}
end
redis.call('HINCRBY', KEYS[1], 'ingest:done', 1)
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[1], 'ingest:reused', 1) end
touch('ingest', ARGV[7])
if redis.call('HSETNX', KEYS[2], ARGV[2], index .. '|0|d') == 0 then
  redis.call('HINCRBY', KEYS[1], 'duplicates', 1)
  return {'duplicate', complete(), 1}
end
redis.call('HINCRBY', KEYS[1], 'images', 1)
redis.call('HINCRBY', KEYS[1], ARGV[5] .. ':queued', 1)
return {'new', complete(), 1}
