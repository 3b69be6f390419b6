--[[
  Sets a run's status when its current one is allowed.
  KEYS: 1 run hash
  ARGV: 1 status, 2 now (ms), 3 error ('' for none), 4 allowed current statuses, comma-separated ('' for any)
  Returns 1 when it changed, 0 otherwise (or when the run is unknown).
]]
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return 0 end
if ARGV[4] ~= '' then
  local ok = false
  for s in string.gmatch(ARGV[4], '[^,]+') do if s == cur then ok = true end end
  if not ok then return 0 end
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updatedAt', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[3]) end
return 1
