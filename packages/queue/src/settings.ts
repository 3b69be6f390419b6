import { stringSetting } from '@spatialforge/core';

export const redisUrlSetting = stringSetting(
  'REDIS_URL',
  'Redis for queues and run state (redis://[:password@]host:port[/db]); unset: the embedded commands start their own redis-server',
);

export const queuePrefixSetting = stringSetting(
  'QUEUE_PREFIX',
  'Prefix of every Redis key spatialforge writes (queues and run state), so several deployments can share one Redis',
  'spatialforge',
);

export const redisServerSetting = stringSetting(
  'REDIS_SERVER_BIN',
  'The redis-server executable the embedded mode and the tests start',
  'redis-server',
);
