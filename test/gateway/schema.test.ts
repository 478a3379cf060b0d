import { graphql } from 'graphql';
import { createSchema } from '../../src/graphql';

describe('createSchema', () => {
  it('builds from every SDL file in schema/, Subscription included', () => {
    const schema = createSchema();
    expect(schema.getQueryType()?.name).toBe('Query');
    expect(schema.getMutationType()?.name).toBe('Mutation');
    expect(Object.keys(schema.getSubscriptionType()?.getFields() ?? {}).sort()).toEqual(['serviceStats', 'spansReceived', 'traceUpdated']);
  });

  it('attaches extra resolvers, and refuses ones the SDL does not define', async () => {
    const schema = createSchema({ extraResolvers: [{ Query: { services: () => [{ name: 'x', operations: [], spanCount: 0, firstSeenUs: 0, lastSeenUs: 1 }] } }] });
    const result = await graphql({ schema, source: '{ services { name firstSeen lastSeen } }', contextValue: {} });
    expect(result).toEqual({ data: { services: [{ name: 'x', firstSeen: '1970-01-01T00:00:00.000000Z', lastSeen: '1970-01-01T00:00:00.000001Z' }] } });
    expect(() => createSchema({ extraResolvers: [{ Nope: {} } as never] })).toThrow('resolvers given for type Nope, which the schema does not define');
    expect(() => createSchema({ extraResolvers: [{ Query: { nope: () => null } } as never] })).toThrow('resolver given for Query.nope, which the schema does not define');
  });
});
