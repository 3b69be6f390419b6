import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClipTokenizer } from './clip-bpe.js';
import { WordPieceTokenizer } from './wordpiece.js';

describe('ClipTokenizer', () => {
  const vocab: Record<string, number> = { '!': 0 };
  for (const c of 'elorw') {
    vocab[c] = Object.keys(vocab).length;
    vocab[`${c}</w>`] = Object.keys(vocab).length;
  }
  for (const t of ['lo', 'low</w>', 'er</w>']) vocab[t] = Object.keys(vocab).length;
  const tok = ClipTokenizer.fromJson({
    model: { type: 'BPE', vocab, merges: ['l o', 'lo w</w>', ['e', 'r</w>']] },
    added_tokens: [{ id: 100, content: '<|startoftext|>' }, { id: 101, content: '<|endoftext|>' }],
  });

  it('applies merges by rank, marking word ends with </w>', () => {
    assert.deepEqual(tok.tokenize('low'), [vocab['low</w>']]);
    // l o w e r</w> → lo w e r</w> → lo w er</w> ("lo w" only merges at a word end).
    assert.deepEqual(tok.tokenize('lower'), [vocab.lo, vocab.w, vocab['er</w>']]);
    assert.deepEqual(tok.tokenize('  LOW\tlow '), [vocab['low</w>'], vocab['low</w>']]);
  });

  it('adds start and end tokens, truncates keeping the end, pads with the given id', () => {
    assert.deepEqual(tok.encode('low', { maxLength: 16, padTo: 5, padId: 0 }), { ids: [100, vocab['low</w>'], 101, 0, 0], mask: [1, 1, 1, 0, 0] });
    assert.deepEqual(tok.encode('low low low', { maxLength: 3, padId: 0 }).ids, [100, vocab['low</w>'], 101]);
    assert.equal(tok.idOf('<|endoftext|>'), 101);
  });
});

describe('WordPieceTokenizer', () => {
  const words = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '.', 'un', '##aff', '##able', 'dining', 'table', 'cafe'];
  const vocab = Object.fromEntries(words.map((w, i) => [w, i]));
  const tok = WordPieceTokenizer.fromJson({ model: { type: 'WordPiece', vocab, unk_token: '[UNK]', continuing_subword_prefix: '##' } });

  it('lower-cases, strips accents, splits punctuation and matches the longest pieces first', () => {
    assert.deepEqual(tok.tokenize('Unaffable dining-table. Café'), [
      vocab.un, vocab['##aff'], vocab['##able'], vocab.dining, vocab['[UNK]'], vocab.table, vocab['.'], vocab.cafe,
    ]);
    assert.deepEqual([tok.clsId, tok.sepId, tok.idOf('[PAD]')], [2, 3, 0]);
  });

  it('gives [UNK] for a word it cannot cover', () => {
    assert.deepEqual(tok.tokenize('unknown'), [vocab['[UNK]']]);
  });
});
