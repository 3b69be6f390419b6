/**
 * A real OpenAI-compatible HTTP server for tests, listening on 127.0.0.1 on a free port. The test
 * decides every reply through `respond`, so it can play a VLM that errs in known, controlled ways or an
 * LLM that issues tool calls: reply text, tool calls, an HTTP error, or a dropped connection.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatRequest, ToolCall } from '../openai-client.js';

export type TestReply =
  | { content: string }
  | { toolCalls: { name: string; arguments: Record<string, unknown> }[] }
  | { status: number; body?: string; retryAfterSeconds?: number }
  /** Close the socket without answering (a network error for the client). */
  | { drop: true };

export interface RecordedRequest {
  body: ChatRequest;
  authorization?: string;
}

export interface OpenAITestServer {
  /** Base URL, e.g. `http://127.0.0.1:40123/v1`. */
  url: string;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** `respond` gets the request and its 0-based arrival index. */
export async function startOpenAITestServer(
  respond: (request: ChatRequest, index: number) => TestReply | Promise<TestReply>,
): Promise<OpenAITestServer> {
  const requests: RecordedRequest[] = [];
  let toolCallCount = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
    const index = requests.push({ body, authorization: req.headers.authorization }) - 1;
    const reply = await respond(body, index);
    if ('drop' in reply) {
      req.socket.destroy();
      return;
    }
    if ('status' in reply) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (reply.retryAfterSeconds !== undefined) headers['retry-after'] = String(reply.retryAfterSeconds);
      res.writeHead(reply.status, headers).end(reply.body ?? JSON.stringify({ error: { message: `test error ${reply.status}` } }));
      return;
    }
    const toolCalls: ToolCall[] | undefined =
      'toolCalls' in reply
        ? reply.toolCalls.map((call) => ({
            id: `call_${++toolCallCount}`,
            type: 'function',
            function: { name: call.name, arguments: JSON.stringify(call.arguments) },
          }))
        : undefined;
    const message = { role: 'assistant', content: 'content' in reply ? reply.content : null, ...(toolCalls ? { tool_calls: toolCalls } : {}) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: `chatcmpl-${index}`,
        object: 'chat.completion',
        model: body.model,
        choices: [{ index: 0, message, finish_reason: toolCalls ? 'tool_calls' : 'stop' }],
      }),
    );
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: err.message } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
