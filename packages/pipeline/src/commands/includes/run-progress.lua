-- Shared by the transitions. KEYS[1] is the run hash.
-- complete(): 1 when the listing is done and every input reached a final state, else 0.
local function complete()
  local v = redis.call('HMGET', KEYS[1], 'listed', 'inputs', 'completed', 'failed', 'duplicates', 'filtered')
  if v[1] ~= '1' then return 0 end
  local terminal = (tonumber(v[3]) or 0) + (tonumber(v[4]) or 0) + (tonumber(v[5]) or 0) + (tonumber(v[6]) or 0)
  if terminal >= (tonumber(v[2]) or 0) then return 1 end
  return 0
end
-- touch(stage, now): the stage's first and last activity (ms) and the run's updatedAt.
local function touch(stage, now)
  redis.call('HSETNX', KEYS[1], stage .. ':first', now)
  redis.call('HSET', KEYS[1], stage .. ':last', now, 'updatedAt', now)
end
