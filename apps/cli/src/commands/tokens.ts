/**
 * `spatialforge tokens create|list|revoke`: API tokens for the REST service, kept (hashed) in the
 * service's Redis. A token's secret is printed once, at creation.
 */
import type { Command } from 'commander';
import { ConfigError, InputError } from '@spatialforge/core';
import { checkRedis, openRedis, queuePrefixSetting, redactRedisUrl, redisUrlSetting } from '@spatialforge/queue';
import type { Scope, TokenStore } from '@spatialforge/service';
import { usageText } from '../help.js';

interface ConnectionOptions {
  redisUrl?: string;
}

async function withTokenStore<T>(options: ConnectionOptions, action: (store: TokenStore) => Promise<T>): Promise<T> {
  const url = options.redisUrl ?? redisUrlSetting.read();
  if (!url) {
    throw new ConfigError('tokens are kept in the service’s Redis: set REDIS_URL (or pass --redis-url) to the Redis `spatialforge serve` uses', 'REDIS_URL');
  }
  await checkRedis(url);
  // Loaded here, not at the top: every CLI start imports every command module.
  const { createTokenStore } = await import('@spatialforge/service');
  const redis = openRedis(url, { maxRetriesPerRequest: 1 });
  try {
    return await action(createTokenStore(redis, queuePrefixSetting.read()));
  } finally {
    redis.disconnect();
  }
}

export function register(program: Command): void {
  const tokens = program
    .command('tokens')
    .description('Manage API tokens of the REST service (stored hashed in Redis)')
    .addHelpText('after', usageText({ examples: ['spatialforge tokens create --tenant lab', 'spatialforge tokens list'], environment: 'REDIS_URL (or --redis-url), the Redis of `spatialforge serve`' }));

  tokens
    .command('create')
    .description('Create a token for a tenant; prints the secret once')
    .requiredOption('--tenant <name>', 'tenant the token acts for (lower-case letters, digits, . _ -)')
    .option('--admin', 'also grant the admin scope (workers, every tenant’s runs)', false)
    .option('--label <text>', 'a note to recognise the token by in `tokens list`', '')
    .option('--redis-url <url>', 'Redis of the service (default: REDIS_URL)')
    .option('--json', 'print { id, tenant, scopes, token } as JSON', false)
    .addHelpText('after', usageText({ examples: ['spatialforge tokens create --tenant lab', 'spatialforge tokens create --tenant ops --admin --label \'on-call\''], environment: 'REDIS_URL (or --redis-url), the service\'s Redis' }))
    .action(async (options: ConnectionOptions & { tenant: string; admin: boolean; label: string; json: boolean }) => {
      const scopes: Scope[] = options.admin ? ['runs', 'admin'] : ['runs'];
      const { token, record } = await withTokenStore(options, (store) => store.create({ tenant: options.tenant, scopes, label: options.label }));
      if (options.json) {
        console.log(JSON.stringify({ ...record, token }));
        return;
      }
      console.log(`token ${record.id} for tenant ${record.tenant} (${record.scopes.join(', ')}):\n\n  ${token}\n`);
      console.log('Keep it secret: it is not stored and cannot be shown again. Use it as "Authorization: Bearer <token>".');
    });

  tokens
    .command('list')
    .description('List tokens (ids, tenants, scopes; never the secrets)')
    .option('--redis-url <url>', 'Redis of the service (default: REDIS_URL)')
    .option('--json', 'print JSON', false)
    .addHelpText('after', usageText({ examples: ['spatialforge tokens list --json'], environment: 'REDIS_URL (or --redis-url)' }))
    .action(async (options: ConnectionOptions & { json: boolean }) => {
      const records = await withTokenStore(options, (store) => store.list());
      if (options.json) {
        console.log(JSON.stringify(records, null, 2));
        return;
      }
      if (records.length === 0) {
        console.log(`no tokens in ${redactRedisUrl(options.redisUrl ?? redisUrlSetting.read() ?? '')}; create one with: spatialforge tokens create --tenant <name>`);
        return;
      }
      const rows = records.map((r) => [r.id, r.tenant, r.scopes.join(','), r.createdAt, r.label]);
      const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i].length), ['ID', 'TENANT', 'SCOPES', 'CREATED'][i].length));
      const line = (cells: string[]) => cells.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c)).join('  ').trimEnd();
      console.log(line(['ID', 'TENANT', 'SCOPES', 'CREATED', 'LABEL']));
      for (const row of rows) console.log(line(row));
    });

  tokens
    .command('revoke <id>')
    .description('Revoke a token by its id (requests with it get 401 at once)')
    .option('--redis-url <url>', 'Redis of the service (default: REDIS_URL)')
    .addHelpText('after', usageText({ examples: ['spatialforge tokens revoke 3f2a9c0d11e5b7a4'], environment: 'REDIS_URL (or --redis-url)' }))
    .action(async (id: string, options: ConnectionOptions) => {
      const removed = await withTokenStore(options, (store) => store.revoke(id));
      if (!removed) throw new InputError(`no token with id ${id} (see spatialforge tokens list)`, 'unknown-token', id);
      console.log(`revoked token ${id}`);
    });
}
