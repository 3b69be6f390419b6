--[[
  Releases a lease if the caller holds it.
  KEYS: 1 lease
  ARGV: 1 owner
  Returns 1.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
