// The published schema: src/graphql/schema.graphql is what the code serves,
// and the served schema breaks nothing in the public contract.
import { readFileSync } from 'node:fs';
import { buildSchema, findBreakingChanges, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/graphql/schema.ts';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('schema', () => {
  it('is committed as src/graphql/schema.graphql (run `npm run schema:print` after changing it)', () => {
    expect(read('../src/graphql/schema.graphql')).toBe(`${printSchema(schema)}\n`);
  });

  it('breaks nothing in the public contract (test/api-contract.graphql, a copy of ../shared/api-contract.graphql)', () => {
    const contract = buildSchema(read('./api-contract.graphql'));
    expect(findBreakingChanges(contract, schema).map((c) => `${c.type}: ${c.description}`)).toEqual([]);
  });
});
