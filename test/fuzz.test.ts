// Arbitrary documents and variables, generated from the schema (and some
// mangled), never get a 5xx or an internal error, and never crash the server.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { operation } from './arbitrary.ts';
import { client } from './helpers.ts';

describe('arbitrary requests', () => {
  const api = client();

  it('never get a 5xx or an internal error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), async (seed) => {
        const { query, variables } = operation(seed);
        const response = await api.app.fetch('http://test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ query, variables }),
        });
        expect(response.status, query).toBeLessThan(500);
        const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
        for (const error of body.errors ?? []) expect(error.extensions?.code, `${query}\n${JSON.stringify(error)}`).not.toBe('INTERNAL_SERVER_ERROR');
      }),
      { numRuns: 400 },
    );
    // Still serving.
    expect((await api.data('{ paper(arxivId: "2310.05869") { title } }')).paper.title).toContain('HyperAttention');
  });

  it('survive malformed bodies and variables', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ query: '{ papers(first: $n) { totalCount } }', variables: v }))), async (body) => {
        const response = await api.app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        expect(response.status, body).toBeLessThan(500);
        expect(await response.text(), body).not.toContain('INTERNAL_SERVER_ERROR');
      }),
      { numRuns: 200 },
    );
  });
});
