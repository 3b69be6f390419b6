/**
 * API tokens, kept in Redis. A token is `sf_<id>_<secret>`: the id (8 random bytes, hex) finds the
 * record, the secret is 32 random bytes (base64url). Only the sha256 of the whole token is stored, and
 * it is compared in constant time, so a Redis dump does not hand out working tokens.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { InputError } from '@spatialforge/core';

export type Scope = 'runs' | 'admin';
export const SCOPES: readonly Scope[] = ['runs', 'admin'];

/** Tenant names appear in storage keys and logs: lower-case letters, digits, `.`, `_`, `-`. */
export const TENANT_PATTERN = '^[a-z0-9][a-z0-9._-]{0,62}$';

export interface TokenRecord {
  id: string;
  tenant: string;
  scopes: Scope[];
  label: string;
  createdAt: string;
}

export interface Principal {
  tokenId: string;
  tenant: string;
  scopes: Scope[];
}

export interface TokenStore {
  /** Creates a token; the secret is returned here once and never again. */
  create(input: { tenant: string; scopes: Scope[]; label?: string }): Promise<{ token: string; record: TokenRecord }>;
  /** The token's owner, or undefined for an unknown, malformed or revoked token. */
  verify(token: string): Promise<Principal | undefined>;
  list(): Promise<TokenRecord[]>;
  /** True when a token was removed. */
  revoke(id: string): Promise<boolean>;
}

const TOKEN_FORMAT = /^sf_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** `keyPrefix` is the deployment's Redis key prefix (QUEUE_PREFIX); tokens live under `<keyPrefix>:auth:`. */
export function createTokenStore(redis: Redis, keyPrefix: string): TokenStore {
  const recordKey = (id: string) => `${keyPrefix}:auth:token:${id}`;
  const indexKey = `${keyPrefix}:auth:tokens`;

  return {
    async create({ tenant, scopes, label = '' }) {
      if (!new RegExp(TENANT_PATTERN).test(tenant)) {
        throw new InputError(`tenant ${JSON.stringify(tenant)} must match ${TENANT_PATTERN}`, 'bad-tenant', tenant, 'tenant');
      }
      const unknown = scopes.filter((s) => !SCOPES.includes(s));
      if (unknown.length > 0 || scopes.length === 0) {
        throw new InputError(`scopes must be some of ${SCOPES.join(', ')}`, 'bad-scope', scopes.join(','), 'scopes');
      }
      const id = randomBytes(8).toString('hex');
      const token = `sf_${id}_${randomBytes(32).toString('base64url')}`;
      const record: TokenRecord = { id, tenant, scopes: [...new Set(scopes)], label, createdAt: new Date().toISOString() };
      await redis
        .multi()
        .hset(recordKey(id), {
          tenant,
          scopes: record.scopes.join(','),
          label,
          createdAt: record.createdAt,
          hash: sha256(token).toString('hex'),
        })
        .sadd(indexKey, id)
        .exec();
      return { token, record };
    },

    async verify(token) {
      const match = TOKEN_FORMAT.exec(token);
      if (!match) return undefined;
      const stored = await redis.hgetall(recordKey(match[1]));
      if (!stored.hash) return undefined;
      const expected = Buffer.from(stored.hash, 'hex');
      const actual = sha256(token);
      if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
      return { tokenId: match[1], tenant: stored.tenant, scopes: parseScopes(stored.scopes) };
    },

    async list() {
      const ids = (await redis.smembers(indexKey)).sort();
      const records: TokenRecord[] = [];
      for (const id of ids) {
        const stored = await redis.hgetall(recordKey(id));
        if (!stored.hash) continue;
        records.push({ id, tenant: stored.tenant, scopes: parseScopes(stored.scopes), label: stored.label ?? '', createdAt: stored.createdAt });
      }
      return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    },

    async revoke(id) {
      const [[, removed]] = (await redis.multi().del(recordKey(id)).srem(indexKey, id).exec()) as [[unknown, number], unknown];
      return removed === 1;
    },
  };
}

function parseScopes(text: string | undefined): Scope[] {
  return (text ?? '').split(',').filter((s): s is Scope => (SCOPES as string[]).includes(s));
}
