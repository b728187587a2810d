/**
 * Text: tokenizers ({@link dev.jrnn.text.CharTokenizer}, {@link dev.jrnn.text.WordTokenizer}), vocabularies
 * with special tokens at fixed low ids ({@link dev.jrnn.text.Vocabulary}, {@link dev.jrnn.text.SpecialToken}),
 * pretrained word vectors in GloVe and word2vec formats mapped onto a vocabulary
 * ({@link dev.jrnn.text.PretrainedEmbeddings}, {@link dev.jrnn.text.EmbeddingMatrix},
 * {@link dev.jrnn.text.EmbeddingCoverage}), and cosine similarity, nearest neighbours and analogies over any
 * embedding matrix ({@link dev.jrnn.text.Similarity}); language models and sampling are built on these.
 *
 * <p>The path from text to vectors:
 * <pre>{@code
 * Tokenizer tok = WordTokenizer.keras();                                 // lower-case, Keras filters
 * Vocabulary vocab = Vocabulary.builder().minFreq(2).maxSize(20_000)     // specials <pad>=0 <unk>=1 <eos>=2
 *         .addTexts(texts, tok).build();
 * vocab.save(dir.resolve("vocab.txt"));                                  // atomic, UTF-8, one token per line
 * EmbeddingMatrix m = PretrainedEmbeddings.load(glovePath, Format.GLOVE_TEXT,
 *         LoadOptions.all().keepOnly(vocab, false)).map(vocab);          // missing words: seeded uniform
 * Embedding emb = m.toEmbedding(true);                                   // frozen, <pad> row zero
 * int[] ids = vocab.encode(tok.tokenize("the cat sat"));
 * }</pre>
 *
 * <p>Files are read as streams and every malformed line is reported as {@code FILE:LINE: what}
 * ({@link dev.jrnn.text.FileFormatException}). See {@code docs/text.md} for the file formats and measured
 * results on GloVe.
 *
 * <p>Layering: this package is at the top of {@code jrnn-core}, beside {@code series}; it may use every package
 * below ({@code tensor}, {@code autograd}, {@code nn}, {@code optim}, {@code io}, {@code train}) but not its sibling.
 */
package dev.jrnn.text;
