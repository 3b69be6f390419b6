--[[
  Records one image's outcome at a stage; a counter moves only when the image's state changes.
  KEYS: 1 run hash, 2 image states, 3 failures list
  ARGV: 1 imageId, 2 stageIndex (in STAGES), 3 stage, 4 next stage ('' for none), 5 outcome
        ('done' | 'failed' | 'dropped'), 6 reused ('1' | '0'), 7 qaPairs, 8 failure JSON, 9 isLast ('1' | '0'),
        10 now (ms)
  Returns {state ('d' | 'f' | 'x' | 'missing'), complete (0 | 1), changed (0 | 1)}.
]]
-- @include run-progress
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if not cur then return {'missing', complete(), 0} end
local idx, stage, st = string.match(cur, '^(%d+)|(%d+)|(%a)$')
if tonumber(stage) >= tonumber(ARGV[2]) or st ~= 'd' then return {st, complete(), 0} end
local s = ARGV[3]
touch(s, ARGV[10])
if ARGV[5] == 'done' then
  redis.call('HSET', KEYS[2], ARGV[1], idx .. '|' .. ARGV[2] .. '|d')
  redis.call('HINCRBY', KEYS[1], s .. ':done', 1)
  if ARGV[6] == '1' then redis.call('HINCRBY', KEYS[1], s .. ':reused', 1) end
  if tonumber(ARGV[7]) > 0 then redis.call('HINCRBY', KEYS[1], 'qaPairs', ARGV[7]) end
  if ARGV[4] ~= '' then redis.call('HINCRBY', KEYS[1], ARGV[4] .. ':queued', 1) end
  if ARGV[9] == '1' then redis.call('HINCRBY', KEYS[1], 'completed', 1) end
  return {'d', complete(), 1}
elseif ARGV[5] == 'failed' then
  redis.call('HSET', KEYS[2], ARGV[1], idx .. '|' .. ARGV[2] .. '|f')
  redis.call('HINCRBY', KEYS[1], s .. ':failed', 1)
  redis.call('HINCRBY', KEYS[1], 'failed', 1)
  redis.call('RPUSH', KEYS[3], ARGV[8])
  return {'f', complete(), 1}
end
redis.call('HSET', KEYS[2], ARGV[1], idx .. '|' .. ARGV[2] .. '|x')
redis.call('HINCRBY', KEYS[1], s .. ':dropped', 1)
redis.call('HINCRBY', KEYS[1], 'filtered', 1)
return {'x', complete(), 1}
