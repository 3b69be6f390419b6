import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

/** An append-only text file that honours back-pressure, so a long export stays memory-bounded. */
export class TextSink {
  private readonly stream: WriteStream;
  private failure?: Error;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
    this.stream.on('error', (err) => {
      this.failure = err;
    });
  }

  async write(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async end(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}
