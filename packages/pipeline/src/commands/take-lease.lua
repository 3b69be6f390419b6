--[[
  Takes a lease, or renews it for its holder.
  KEYS: 1 lease
  ARGV: 1 owner, 2 time to live (ms)
  Returns 1, or 0 when another owner holds it.
]]
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
