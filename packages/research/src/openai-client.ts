/**
 * A small client for OpenAI-compatible `/v1/chat/completions` endpoints (vLLM, llama.cpp server,
 * Ollama, OpenAI itself): messages with image parts, tool calling, and retries with exponential
 * backoff on 429, 5xx, timeouts and network errors. The API key goes in the Authorization header and
 * nowhere else: never in an error message or a log line.
 */
import { SpatialforgeError } from '@spatialforge/core';

export interface TextPart {
  type: 'text';
  text: string;
}
export interface ImagePart {
  type: 'image_url';
  /** A `data:` URL (base64) or an http(s) URL. */
  image_url: { url: string };
}
export type ContentPart = TextPart | ImagePart;

export interface ToolCall {
  id: string;
  type: 'function';
  /** `arguments` is a JSON string, as the protocol sends it. */
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | ContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ToolDefinition {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  tool_choice?: 'auto' | 'none' | 'required';
  temperature?: number;
  max_tokens?: number;
}

export interface ChatResponse {
  id?: string;
  model?: string;
  choices: { index: number; message: { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] }; finish_reason?: string }[];
}

export interface ChatClientOptions {
  /** Base URL (`http://host:8000`, `http://host:8000/v1`) or the full `/chat/completions` URL. */
  endpoint: string;
  apiKey?: string;
  /** Retries after the first attempt for 429, 5xx, timeouts and network errors. @defaultValue 5 */
  retries?: number;
  /** First backoff delay, milliseconds; doubled each retry, with jitter. @defaultValue 500 */
  retryBaseMs?: number;
  /** Longest single wait, milliseconds, including a server's Retry-After. @defaultValue 30000 */
  retryMaxMs?: number;
  /** Per-request timeout, milliseconds. @defaultValue 120000 */
  timeoutMs?: number;
}

/** The endpoint failed; `retryable` says whether trying again later may help. */
export class EndpointError extends SpatialforgeError {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    /** The server's Retry-After, milliseconds, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message, status === undefined ? 'endpoint-unreachable' : `endpoint-http-${status}`);
  }
}

/** `http://h/v1` → `http://h/v1/chat/completions`; a URL already ending in `/chat/completions` is kept. */
export function chatCompletionsUrl(endpoint: string): string {
  const url = new URL(endpoint);
  const path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith('/chat/completions')) return url.href;
  url.pathname = path.endsWith('/v1') ? `${path}/chat/completions` : `${path}/v1/chat/completions`;
  return url.href;
}

export class ChatClient {
  readonly url: string;
  /** Attempts made and retries among them, for reports. */
  readonly stats = { requests: 0, retries: 0 };
  private readonly options: Required<Omit<ChatClientOptions, 'apiKey'>> & { apiKey?: string };

  constructor(options: ChatClientOptions) {
    this.url = chatCompletionsUrl(options.endpoint);
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.options = { retries: 5, retryBaseMs: 500, retryMaxMs: 30_000, timeoutMs: 120_000, ...given, endpoint: options.endpoint };
  }

  async complete(request: ChatRequest): Promise<ChatResponse> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(request);
      } catch (err) {
        if (!(err instanceof EndpointError) || !err.retryable || attempt >= this.options.retries) throw err;
        this.stats.retries++;
        await sleep(this.backoff(attempt, err.retryAfterMs));
      }
    }
  }

  private backoff(attempt: number, retryAfterMs: number | undefined): number {
    const exponential = this.options.retryBaseMs * 2 ** attempt * (0.5 + Math.random() / 2);
    return Math.min(this.options.retryMaxMs, retryAfterMs ?? exponential);
  }

  private async attempt(request: ChatRequest): Promise<ChatResponse> {
    this.stats.requests++;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      const reason = (err as Error).name === 'TimeoutError' ? `no answer in ${this.options.timeoutMs} ms` : describeNetworkError(err);
      throw new EndpointError(`${this.url} unreachable: ${reason}`, undefined, true);
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      const retryable = response.status === 429 || response.status >= 500 || response.status === 408;
      const hint = response.status === 401 || response.status === 403 ? ' (check the API key setting)' : '';
      const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
      const retryAfterMs = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : undefined;
      throw new EndpointError(`${this.url} answered HTTP ${response.status}${hint}: ${text.slice(0, 200)}`, response.status, retryable, retryAfterMs);
    }
    let parsed: ChatResponse;
    try {
      parsed = JSON.parse(text) as ChatResponse;
    } catch {
      throw new EndpointError(`${this.url} answered with invalid JSON: ${text.slice(0, 200)}`, response.status, true);
    }
    if (!Array.isArray(parsed.choices) || !parsed.choices[0]?.message) {
      throw new EndpointError(`${this.url} answered without choices[0].message`, response.status, false);
    }
    return parsed;
  }
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The assistant's text from a response ('' when it sent only tool calls). */
export function replyText(response: ChatResponse): string {
  return response.choices[0].message.content ?? '';
}

/** A `data:` URL for image bytes, sniffing PNG, JPEG and WebP. */
export function imageDataUrl(bytes: Uint8Array): string {
  return `data:${imageMimeType(bytes)};base64,${Buffer.from(bytes).toString('base64')}`;
}

export function imageMimeType(bytes: Uint8Array): string {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[8] === 0x57) return 'image/webp';
  return 'application/octet-stream';
}
