/**
 * The graphql-ws endpoint's kept verdicts (`CheckedOperations`): identical valid subscribes are checked once and
 * share their document; other variables, invalid operations and evicted ones are checked again.
 */
import { buildSchema, GraphQLError } from 'graphql';
import { checkOperation, DEFAULT_QUERY_LIMITS, type OperationCheck } from '../../src/server/limits';
import { CheckedOperations } from '../../src/server/ws';

const schema = buildSchema('type Query { a: Int } type Subscription { s(id: ID!): Int }');
const SUB = 'subscription($id: ID!) { s(id: $id) }';

function counting(): { runs: string[]; checked: CheckedOperations } {
  const runs: string[] = [];
  const checked = new CheckedOperations((query, variables) => {
    runs.push(`${query} ${JSON.stringify(variables ?? null)}`);
    return checkOperation(schema, query, variables, DEFAULT_QUERY_LIMITS, { production: true });
  }, 2);
  return { runs, checked };
}

describe('CheckedOperations', () => {
  it('checks identical valid subscribes once and hands each the same document', () => {
    const { runs, checked } = counting();
    const first = checked.check(SUB, { id: 't1' });
    const second = checked.check(SUB, { id: 't1' });
    expect(first.kind).toBe('valid');
    expect(second).toBe(first);
    expect(runs).toHaveLength(1);
    // Other variables are another verdict (the limit rules read variable values).
    expect(checked.check(SUB, { id: 't2' }).kind).toBe('valid');
    expect(runs).toHaveLength(2);
  });

  it('checks an invalid operation every time and keeps no verdict for it', () => {
    const { runs, checked } = counting();
    const bad = 'subscription { nope }';
    const a = checked.check(bad, undefined);
    const b = checked.check(bad, undefined);
    expect(a.kind).toBe('invalid');
    expect((a as Extract<OperationCheck, { kind: 'invalid' }>).errors[0]).toBeInstanceOf(GraphQLError);
    expect(b).not.toBe(a);
    expect(runs).toHaveLength(2);
    expect(checked.size).toBe(0);
  });

  it('keeps at most its bound, dropping the longest unused first', () => {
    const { runs, checked } = counting();
    checked.check(SUB, { id: 'a' });
    checked.check(SUB, { id: 'b' });
    checked.check(SUB, { id: 'a' }); // used again: 'b' is now the longest unused
    checked.check(SUB, { id: 'c' });
    expect(checked.size).toBe(2);
    expect(runs).toHaveLength(3);
    checked.check(SUB, { id: 'a' });
    expect(runs).toHaveLength(3);
    checked.check(SUB, { id: 'b' });
    expect(runs).toHaveLength(4);
  });
});
