import { GraphQLError, buildSchema, graphql, parse } from 'graphql';
import { MongoClient } from 'mongodb';
import { ErrorCode, TracegateError } from '../../../src/errors';
import { createLogger } from '../../../src/log';
import { maskedMessage } from '../../../src/error-edge';
import { createErrorMasker } from '../../../src/server/masking';

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger('debug', 'test', (line) => lines.push(line)) };
}

// A real graphql-js execution, so errors arrive wrapped exactly as in the gateway.
const schema = buildSchema(`type Query { driver: String, ours: String, limited: String, store: String }`);
const root = {
  driver: () => {
    throw new Error('E11000 duplicate key error collection: tracegate.spans index: traceId_1_spanId_1');
  },
  ours: () => {
    throw new TracegateError(ErrorCode.BAD_USER_INPUT, 'first: expected at most 100, received 500');
  },
  limited: () => {
    throw new TracegateError(ErrorCode.RATE_LIMITED, 'busy', { retryAfterSeconds: 3 });
  },
  store: () => {
    throw storeDownError;
  },
};

// A real driver error: server selection against a closed loopback port.
let storeDownError: Error;
beforeAll(async () => {
  const client = new MongoClient('mongodb://127.0.0.1:1/?directConnection=true', { serverSelectionTimeoutMS: 300 });
  storeDownError = await client.connect().then(
    () => new Error('unexpectedly connected'),
    (error: Error) => error,
  );
  await client.close();
  expect(storeDownError.name).toBe('MongoServerSelectionError');
});

async function errorsFor(field: string, requestId?: string) {
  const { lines, log } = capture();
  const masker = createErrorMasker({ log, production: true });
  const result = await graphql({ schema, source: `{ ${field} }`, rootValue: root });
  return { shown: masker.maskErrors(result.errors ?? [], requestId), lines };
}

describe('error masking', () => {
  it('hides an unexpected error behind a generic message and logs it in full under the same request id', async () => {
    const { shown, lines } = await errorsFor('driver', 'req-1');
    expect(shown).toEqual([{ message: maskedMessage(ErrorCode.INTERNAL, 'req-1'), locations: [{ line: 1, column: 3 }], path: ['driver'], extensions: { code: ErrorCode.INTERNAL, requestId: 'req-1' } }]);
    expect(JSON.stringify(shown)).not.toMatch(/E11000|tracegate\.spans|stack/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('requestId=req-1');
    expect(lines[0]).toContain('E11000 duplicate key error collection: tracegate.spans');
  });

  it('says STORE_UNAVAILABLE when the driver cannot reach the store, still without the driver text', async () => {
    const { shown } = await errorsFor('store', 'req-2');
    expect(shown[0]).toMatchObject({ message: maskedMessage(ErrorCode.STORE_UNAVAILABLE, 'req-2'), extensions: { code: ErrorCode.STORE_UNAVAILABLE, requestId: 'req-2' } });
    expect(JSON.stringify(shown)).not.toContain('ECONNREFUSED');
  });

  it('shows TracegateErrors as they are, with safe details', async () => {
    expect((await errorsFor('ours')).shown[0]).toMatchObject({
      message: 'first: expected at most 100, received 500',
      extensions: { code: ErrorCode.BAD_USER_INPUT },
    });
    const limited = (await errorsFor('limited')).shown[0]!;
    expect(limited.extensions).toEqual({ code: ErrorCode.RATE_LIMITED, retryAfterSeconds: 3 });
  });

  it("takes Apollo's request id from nameRequest, or makes one for a masked error of no named request", async () => {
    const { log, lines } = capture();
    const masker = createErrorMasker({ log, production: false });
    const error = new GraphQLError('boom', { path: ['x'], originalError: new Error('boom') });
    const shown = new GraphQLError('first: expected at most 100', { extensions: { code: ErrorCode.BAD_USER_INPUT } });
    masker.nameRequest([error, shown], 'named-1');
    expect(masker.formatError({ message: 'boom', path: ['x'] }, error)).toMatchObject({ message: maskedMessage(ErrorCode.INTERNAL, 'named-1'), extensions: { code: ErrorCode.INTERNAL, requestId: 'named-1' } });
    expect(lines[0]).toContain('requestId=named-1');
    expect(masker.formatError({ message: shown.message, extensions: { code: ErrorCode.BAD_USER_INPUT } }, shown).extensions).toEqual({ code: ErrorCode.BAD_USER_INPUT, requestId: 'named-1' });
    const other = new GraphQLError('boom', { path: ['x'], originalError: new Error('boom') });
    const fresh = masker.formatError({ message: 'boom', path: ['x'] }, other).extensions?.requestId;
    expect(fresh).toMatch(/^[0-9a-f-]{36}$/);
    expect(fresh).not.toBe('named-1');
  });

  it("shows a client's own syntax and validation mistakes as BAD_USER_INPUT, without suggestions in production", async () => {
    const { log } = capture();
    const masker = createErrorMasker({ log, production: true });
    const syntax = (await graphql({ schema, source: '{ driver ' })).errors!;
    expect(masker.maskErrors(syntax)[0]).toMatchObject({ message: 'Syntax Error: Expected Name, found <EOF>.', extensions: { code: ErrorCode.BAD_USER_INPUT } });
    const typo = new GraphQLError('Value "ERRO" does not exist in "StatusCode" enum. Did you mean the enum value "ERROR"?');
    expect(masker.maskErrors([typo])[0]!.message).toBe('Value "ERRO" does not exist in "StatusCode" enum.');
    // Apollo's formatError path: a validation failure code from Apollo
    const apollo = masker.formatError({ message: 'Unknown argument', extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['at x'] } }, new GraphQLError('Unknown argument'));
    expect(apollo).toEqual({ message: 'Unknown argument', extensions: { code: ErrorCode.BAD_USER_INPUT } });
  });

  it('masks a GraphQLError without path or code that wraps an error of ours (e.g. a failed subscribe on graphql-ws)', () => {
    const { log, lines } = capture();
    const masker = createErrorMasker({ log, production: false });
    const wrapped = new GraphQLError("Expected property name or '}' in JSON at position 1", { originalError: new SyntaxError("Expected property name or '}' in JSON at position 1") });
    const shown = masker.maskErrors([wrapped], 'ws-1')[0]!;
    expect(shown).toEqual({ message: maskedMessage(ErrorCode.INTERNAL, 'ws-1'), extensions: { code: ErrorCode.INTERNAL, requestId: 'ws-1' } });
    expect(lines[0]).toContain('requestId=ws-1');
  });

  it('masks an error Apollo raised outside execution (e.g. context creation) that is not ours', () => {
    const { log } = capture();
    const masker = createErrorMasker({ log, production: false });
    const wrapped = new GraphQLError('Context creation failed: connect ECONNREFUSED', { originalError: new Error('connect ECONNREFUSED') });
    const shown = masker.formatError({ message: wrapped.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, wrapped);
    expect(shown.extensions?.code).toBe(ErrorCode.INTERNAL);
    expect(shown.message).toBe(maskedMessage(ErrorCode.INTERNAL, shown.extensions?.requestId as string));
  });

  it("shows the parser's token-limit error (Apollo parseOptions.maxTokens) as QUERY_TOO_COMPLEX", () => {
    const { log } = capture();
    const masker = createErrorMasker({ log, production: true, maxTokens: 10 });
    const long = `{ ${'a '.repeat(20)}}`;
    let syntax: GraphQLError | undefined;
    try {
      parse(long, { maxTokens: 10 });
    } catch (error) {
      syntax = error as GraphQLError;
    }
    const apolloWrapped = new GraphQLError(syntax!.message, { source: syntax!.source, positions: syntax!.positions, originalError: syntax, extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    const shown = masker.formatError({ message: apolloWrapped.message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } }, apolloWrapped);
    expect(shown.extensions).toEqual({ code: ErrorCode.QUERY_TOO_COMPLEX, limit: 'tokens', allowed: 10, found: 11 });
    // an ordinary syntax error stays BAD_USER_INPUT
    const short = new GraphQLError('Syntax Error: Expected Name, found <EOF>.', { source: undefined, extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    expect(masker.formatError({ message: short.message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } }, short).extensions?.code).toBe(ErrorCode.BAD_USER_INPUT);
  });
});
