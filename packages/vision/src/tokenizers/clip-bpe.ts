/**
 * CLIP's byte-level BPE tokenizer (openai/CLIP simple_tokenizer.py), reading the vocabulary and merges
 * of a Hugging Face `tokenizer.json`. Used for CLIP and OWL-ViT/OWLv2 text queries.
 */
import { readFile } from 'node:fs/promises';

const START = '<|startoftext|>';
const END = '<|endoftext|>';
const WORD_END = '</w>';
// simple_tokenizer.py's pattern (matched case-insensitively on lower-cased text).
const PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

/** GPT-2's reversible byte → printable character table. */
function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + extra++);
  }
  return table;
}

export interface EncodedText {
  /** Token ids, `[start, …, end]` plus padding. */
  ids: number[];
  /** 1 for real tokens, 0 for padding. */
  mask: number[];
}

interface TokenizerJson {
  model: { type: string; vocab: Record<string, number>; merges: (string | [string, string])[] };
  added_tokens?: { id: number; content: string }[];
}

export class ClipTokenizer {
  private readonly byteTable = bytesToUnicode();
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, string[]>();
  private readonly added: Record<string, number>;
  readonly startId: number;
  readonly endId: number;

  constructor(private readonly vocab: Record<string, number>, merges: (string | [string, string])[], added: Record<string, number> = {}) {
    merges.forEach((m, i) => this.ranks.set(Array.isArray(m) ? `${m[0]} ${m[1]}` : m, i));
    this.added = added;
    this.startId = this.idOf(START);
    this.endId = this.idOf(END);
    if (this.startId === undefined || this.endId === undefined) {
      throw new Error(`tokenizer has no ${START} / ${END} tokens`);
    }
  }

  static fromJson(json: TokenizerJson): ClipTokenizer {
    if (json.model.type !== 'BPE') throw new Error(`expected a BPE tokenizer.json, got ${json.model.type}`);
    const added = Object.fromEntries((json.added_tokens ?? []).map((t) => [t.content, t.id]));
    return new ClipTokenizer(json.model.vocab, json.model.merges, added);
  }

  static async load(path: string): Promise<ClipTokenizer> {
    return ClipTokenizer.fromJson(JSON.parse(await readFile(path, 'utf8')) as TokenizerJson);
  }

  /** The id of a whole token (special or from the vocabulary); undefined when unknown. */
  idOf(token: string): number {
    return this.added[token] ?? this.vocab[token];
  }

  private bpe(token: string): string[] {
    const cached = this.cache.get(token);
    if (cached) return cached;
    const chars = [...token];
    let word = [...chars.slice(0, -1), chars[chars.length - 1] + WORD_END];
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      const [a, b] = [word[best], word[best + 1]];
      const merged: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i < word.length - 1 && word[i] === a && word[i + 1] === b) {
          merged.push(a + b);
          i++;
        } else merged.push(word[i]);
      }
      word = merged;
    }
    this.cache.set(token, word);
    return word;
  }

  /** Token ids of `text` without start/end tokens. */
  tokenize(text: string): number[] {
    const clean = text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
    const ids: number[] = [];
    for (const match of clean.matchAll(PATTERN)) {
      const piece = match[0];
      if (piece === START || piece === END) {
        ids.push(piece === START ? this.startId : this.endId);
        continue;
      }
      const mapped = [...Buffer.from(piece, 'utf8')].map((b) => this.byteTable[b]).join('');
      for (const sub of this.bpe(mapped)) {
        const id = this.vocab[sub];
        if (id === undefined) throw new Error(`token "${sub}" is not in the vocabulary`);
        ids.push(id);
      }
    }
    return ids;
  }

  /**
   * `[start, tokens…, end]`, truncated to `maxLength` (keeping the end token) and, when `padTo` is given,
   * padded with `padId` to that length.
   */
  encode(text: string, { maxLength, padTo, padId }: { maxLength: number; padTo?: number; padId: number }): EncodedText {
    const body = this.tokenize(text).slice(0, maxLength - 2);
    const ids = [this.startId, ...body, this.endId];
    const mask = ids.map(() => 1);
    while (padTo !== undefined && ids.length < padTo) {
      ids.push(padId);
      mask.push(0);
    }
    return { ids, mask };
  }
}
