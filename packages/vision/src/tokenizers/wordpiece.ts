/**
 * BERT's uncased WordPiece tokenizer (BasicTokenizer + WordpieceTokenizer), reading the vocabulary of a
 * Hugging Face `tokenizer.json`. Grounding DINO encodes its prompt with bert-base-uncased.
 */
import { readFile } from 'node:fs/promises';

const MAX_CHARS_PER_WORD = 100;

interface TokenizerJson {
  model: { type: string; vocab: Record<string, number>; unk_token?: string; continuing_subword_prefix?: string };
}

function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0) as number;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /\p{P}/u.test(ch);
}

function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

export class WordPieceTokenizer {
  readonly clsId: number;
  readonly sepId: number;
  readonly unkId: number;

  constructor(private readonly vocab: Record<string, number>, private readonly prefix = '##', unk = '[UNK]') {
    const need = (token: string) => {
      const id = vocab[token];
      if (id === undefined) throw new Error(`vocabulary has no ${token} token`);
      return id;
    };
    this.clsId = need('[CLS]');
    this.sepId = need('[SEP]');
    this.unkId = need(unk);
  }

  static fromJson(json: TokenizerJson): WordPieceTokenizer {
    if (json.model.type !== 'WordPiece') throw new Error(`expected a WordPiece tokenizer.json, got ${json.model.type}`);
    return new WordPieceTokenizer(json.model.vocab, json.model.continuing_subword_prefix ?? '##', json.model.unk_token ?? '[UNK]');
  }

  static async load(path: string): Promise<WordPieceTokenizer> {
    return WordPieceTokenizer.fromJson(JSON.parse(await readFile(path, 'utf8')) as TokenizerJson);
  }

  /** The id of a whole token; undefined when unknown. */
  idOf(token: string): number | undefined {
    return this.vocab[token];
  }

  /** BasicTokenizer: clean, lower-case, strip accents, split on whitespace, punctuation and CJK characters. */
  private basic(text: string): string[] {
    let cleaned = '';
    for (const ch of text) {
      const cp = ch.codePointAt(0) as number;
      if (cp === 0 || cp === 0xfffd || (/\p{C}/u.test(ch) && !/[\t\n\r]/.test(ch))) continue;
      cleaned += /\s/u.test(ch) ? ' ' : isCjk(cp) ? ` ${ch} ` : ch;
    }
    const words: string[] = [];
    for (const raw of cleaned.split(' ')) {
      if (!raw) continue;
      const word = raw.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');
      let current = '';
      for (const ch of word) {
        if (isPunctuation(ch)) {
          if (current) words.push(current);
          words.push(ch);
          current = '';
        } else current += ch;
      }
      if (current) words.push(current);
    }
    return words;
  }

  /** Greedy longest-match-first WordPiece of one word. */
  private wordPieces(word: string): number[] {
    const chars = [...word];
    if (chars.length > MAX_CHARS_PER_WORD) return [this.unkId];
    const ids: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      while (start < end) {
        const piece = (start > 0 ? this.prefix : '') + chars.slice(start, end).join('');
        found = this.vocab[piece];
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) return [this.unkId];
      ids.push(found);
      start = end;
    }
    return ids;
  }

  /** Token ids of `text` without [CLS] / [SEP]. */
  tokenize(text: string): number[] {
    return this.basic(text).flatMap((w) => this.wordPieces(w));
  }
}
