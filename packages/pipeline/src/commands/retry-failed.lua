--[[
  Puts every failed image of a run back in front of the stage it failed at and clears the failures.
  KEYS: 1 run hash, 2 image states, 3 seen-inputs bitmap, 4 failures list
  ARGV: 1 JSON {stage: STAGES index of the stage before it in the run}, 2 now (ms)
  Returns a flat list of stage, imageId ('' for ingest), inputIndex for every image put back.
]]
local previous = cjson.decode(ARGV[1])
local out = {}
for _, raw in ipairs(redis.call('LRANGE', KEYS[4], 0, -1)) do
  local f = cjson.decode(raw)
  if f.stage == 'ingest' then
    redis.call('SETBIT', KEYS[3], f.inputIndex, 0)
    redis.call('HINCRBY', KEYS[1], 'ingest:failed', -1)
    redis.call('HINCRBY', KEYS[1], 'failed', -1)
    table.insert(out, 'ingest'); table.insert(out, ''); table.insert(out, tostring(f.inputIndex))
  else
    local cur = redis.call('HGET', KEYS[2], f.imageId)
    if cur then
      local idx, stage, st = string.match(cur, '^(%d+)|(%d+)|(%a)$')
      if st == 'f' and previous[f.stage] ~= nil then
        redis.call('HSET', KEYS[2], f.imageId, idx .. '|' .. previous[f.stage] .. '|d')
        redis.call('HINCRBY', KEYS[1], f.stage .. ':failed', -1)
        redis.call('HINCRBY', KEYS[1], 'failed', -1)
        table.insert(out, f.stage); table.insert(out, f.imageId); table.insert(out, idx)
      end
    end
  end
end
redis.call('DEL', KEYS[4])
redis.call('HINCRBY', KEYS[1], 'exportGeneration', 1)
redis.call('HDEL', KEYS[1], 'error')
redis.call('HSET', KEYS[1], 'status', 'running', 'updatedAt', ARGV[2])
return out
