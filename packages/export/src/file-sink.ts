import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

/** An append-only file (text or bytes) that honours back-pressure, so a long export stays memory-bounded. */
export class FileSink {
  private readonly stream: WriteStream;
  private failure?: Error;
  /** Bytes written so far. */
  bytes = 0;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
    this.stream.on('error', (err) => {
      this.failure = err;
    });
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    this.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async end(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}
