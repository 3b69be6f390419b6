/**
 * Downloads over HTTP(S) that a hostile URL cannot turn against the network we run in. Every hop —
 * the first URL and each redirect, followed by hand (at most `maxRedirects`, loops detected) — is
 * checked by AddressPolicy: IP literals before connecting, host names inside the connection's DNS
 * lookup, so the address that was checked is the address connected to (no DNS rebinding between check
 * and use). Bodies are capped at `maxBytes` (Content-Length and streamed bytes), the whole download at
 * `timeoutMs`, and a silent server (slow headers, a slow drip) at `idleTimeoutMs` between bytes.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { InputError, SpatialforgeError } from '@spatialforge/core';
import { AddressPolicy } from './address-policy.js';
import { ingestAllowHosts, ingestIdleTimeoutMs, ingestMaxBytes, ingestMaxRedirects, ingestTimeoutMs } from './settings.js';

export interface HttpFetchOptions {
  /** Hosts, `*.domain` wildcards, IPs or CIDRs reachable although private. @defaultValue INGEST_ALLOW_HOSTS */
  allowHosts?: readonly string[];
  /** @defaultValue INGEST_MAX_BYTES */
  maxBytes?: number;
  /** Whole download, redirects included, ms. @defaultValue INGEST_TIMEOUT_MS */
  timeoutMs?: number;
  /** Longest wait for headers or the next body bytes, ms. @defaultValue INGEST_IDLE_TIMEOUT_MS */
  idleTimeoutMs?: number;
  /** @defaultValue INGEST_MAX_REDIRECTS */
  maxRedirects?: number;
}

/** Statuses worth retrying later (the stage's backoff retries a plain SpatialforgeError). */
const TRANSIENT_STATUSES = new Set([408, 425, 429, 502, 503, 504]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Thrown from inside the DNS lookup hook; carries the URL-independent reason. */
class RefusedAddress extends Error {}

export class HttpFetcher {
  readonly maxBytes: number;
  private readonly timeoutMs: number;
  private readonly maxRedirects: number;
  private readonly policy: AddressPolicy;
  private readonly agent: Agent;

  constructor(options: HttpFetchOptions = {}, env: Record<string, string | undefined> = process.env) {
    this.policy = options.allowHosts ? new AddressPolicy(options.allowHosts) : AddressPolicy.fromList(ingestAllowHosts.read(env));
    this.maxBytes = options.maxBytes ?? ingestMaxBytes.read(env);
    this.timeoutMs = options.timeoutMs ?? ingestTimeoutMs.read(env);
    this.maxRedirects = options.maxRedirects ?? ingestMaxRedirects.read(env);
    const idle = options.idleTimeoutMs ?? ingestIdleTimeoutMs.read(env);
    this.agent = new Agent({
      headersTimeout: idle,
      bodyTimeout: idle,
      connect: { timeout: Math.min(idle, this.timeoutMs), lookup: this.guardedLookup },
    });
  }

  /** The body of `url` after redirects; InputError for bad input, SpatialforgeError for transient failures. */
  async fetch(url: string, input: string = url): Promise<Uint8Array> {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const visited = new Set<string>();
    let current = this.parse(url, input);
    for (let hops = 0; ; hops++) {
      visited.add(current.href);
      this.checkHost(current, input);
      let response;
      try {
        response = await request(current, {
          dispatcher: this.agent,
          method: 'GET',
          signal: deadline,
          headers: { 'user-agent': 'spatialforge-ingest', accept: 'image/*, application/json, text/plain;q=0.9, */*;q=0.5' },
        });
      } catch (err) {
        throw this.explain(err, current, input);
      }
      const { statusCode, headers, body } = response;
      if (REDIRECT_STATUSES.has(statusCode) && typeof headers.location === 'string') {
        await body.dump().catch(() => undefined);
        const next = this.parse(new URL(headers.location, current).href, input);
        if (visited.has(next.href)) throw new InputError(`${input}: redirect loop at ${next.href}`, 'redirect-loop', input);
        if (hops + 1 > this.maxRedirects) throw new InputError(`${input}: more than ${this.maxRedirects} redirects`, 'too-many-redirects', input);
        current = next;
        continue;
      }
      if (statusCode < 200 || statusCode >= 300) {
        await body.dump().catch(() => undefined);
        const message = `${input}: ${current.href} answered HTTP ${statusCode}`;
        if (TRANSIENT_STATUSES.has(statusCode)) throw new SpatialforgeError(message, `http-${statusCode}`);
        throw new InputError(message, `http-${statusCode}`, input);
      }
      const declared = Number(headers['content-length']);
      if (Number.isFinite(declared) && declared > this.maxBytes) {
        body.destroy();
        throw this.tooLarge(input, `declares ${declared} bytes`);
      }
      const chunks: Buffer[] = [];
      let received = 0;
      try {
        for await (const chunk of body) {
          received += (chunk as Buffer).length;
          if (received > this.maxBytes) {
            body.destroy();
            throw this.tooLarge(input, `sent more than ${this.maxBytes} bytes`);
          }
          chunks.push(chunk as Buffer);
        }
      } catch (err) {
        throw this.explain(err, current, input);
      }
      return new Uint8Array(Buffer.concat(chunks, received));
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private parse(url: string, input: string): URL {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InputError(`${input}: ${url} is not a valid URL`, 'bad-uri', input);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new InputError(`${input}: ${parsed.protocol} URLs are not fetched (only http and https)`, 'unsupported-uri', input);
    }
    return parsed;
  }

  /** IP literals never reach the lookup hook, so they are checked here; names of metadata services too. */
  private checkHost(url: URL, input: string): void {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const refusal = isIP(host) ? this.policy.addressRefusal(host) : this.policy.nameRefusal(host);
    if (refusal) throw new InputError(`${input}: ${url.href} refused: ${refusal}`, 'blocked-address', input);
  }

  /** DNS lookup for undici's connections: resolves, drops refused addresses, and connects only to a checked one. */
  private readonly guardedLookup = (
    hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { all: true, family: Number(options.family) || 0 }, (err, addresses) => {
      if (err) return callback(err, []);
      const allowed = this.policy.allowsName(hostname) ? addresses : addresses.filter((a) => !this.policy.addressRefusal(a.address));
      if (allowed.length === 0) {
        const reason = this.policy.addressRefusal(addresses[0]?.address ?? '') ?? 'no address';
        return callback(new RefusedAddress(`${hostname} resolves to ${addresses.map((a) => a.address).join(', ')}: ${reason}`), []);
      }
      if (options.all) callback(null, allowed);
      else callback(null, allowed[0].address, allowed[0].family);
    });
  };

  private tooLarge(input: string, detail: string): InputError {
    return new InputError(`${input}: the download ${detail}, over the ${this.maxBytes}-byte limit`, 'too-large', input);
  }

  private explain(err: unknown, url: URL, input: string): Error {
    if (err instanceof SpatialforgeError) return err;
    const refused = findCause(err, (e) => e instanceof RefusedAddress);
    if (refused) return new InputError(`${input}: ${url.href} refused: ${refused.message}`, 'blocked-address', input);
    const code = (findCause(err, (e) => typeof (e as NodeJS.ErrnoException).code === 'string') as NodeJS.ErrnoException | undefined)?.code;
    const name = (err as Error).name;
    if (name === 'AbortError' || name === 'TimeoutError' || code === 'UND_ERR_ABORTED' || code?.endsWith('_TIMEOUT') || code === 'ETIMEDOUT') {
      const what = code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' ? 'the server went silent' : `it took longer than ${this.timeoutMs} ms`;
      return new InputError(`${input}: download of ${url.href} timed out (${what})`, 'timeout', input);
    }
    if (code === 'ENOTFOUND') return new InputError(`${input}: host ${url.hostname} does not exist`, 'unresolvable-host', input);
    return new SpatialforgeError(`${input}: download of ${url.href} failed (${code ?? name}: ${(err as Error).message})`, 'network');
  }
}

function findCause(err: unknown, match: (e: unknown) => boolean): Error | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as Error).cause, depth++) if (match(e)) return e as Error;
  return undefined;
}
