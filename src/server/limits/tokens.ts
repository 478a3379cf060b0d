import { GraphQLError, Lexer, Source, TokenKind, parse, type DocumentNode } from 'graphql';
import { tooComplex } from './reject';

/**
 * Token limit. graphql-js enforces it while parsing (`parse(source, { maxTokens })`, which Apollo exposes as
 * `parseOptions`), aborting before a huge document is built; its error is an ordinary syntax error, so
 * `tokenLimitError` recognises it by counting again (bounded by the limit) rather than by its wording.
 */
export function parseWithTokenLimit(source: string, maxTokens: number): DocumentNode {
  try {
    return parse(source, { maxTokens });
  } catch (error) {
    throw tokenLimitError(source, maxTokens) ?? error;
  }
}

/** The QUERY_TOO_COMPLEX error for `source` when it has more than `maxTokens` tokens, else undefined. */
export function tokenLimitError(source: string, maxTokens: number): GraphQLError | undefined {
  const counted = countTokensUpTo(source, maxTokens + 1);
  if (counted <= maxTokens) return undefined;
  return tooComplex('tokens', maxTokens, counted, `Query is too long: expected at most ${maxTokens} tokens, received more.`);
}

/**
 * Tokens as graphql-js counts them for `maxTokens` (comments excluded), stopping at `stopAt`; a lexical error
 * ends the count where it occurs (the parser reports that error itself).
 */
export function countTokensUpTo(source: string, stopAt: number): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (count < stopAt && lexer.advance().kind !== TokenKind.EOF) count++;
  } catch {
    // A lexical error: the count so far stands.
  }
  return count;
}
