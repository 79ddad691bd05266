// The README's examples are real: each ```graphql block followed by a
// ```json block must give exactly that output on the bundled catalogue.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { client } from './helpers.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```\n\n```json\n([\s\S]*?)```/gu)].map((m) => ({ query: m[1]!, output: m[2]! }));

describe('README examples', () => {
  const api = client();

  it('has one for each main use: a paper, trending, an organization, a week, a search, related papers, an error', () => {
    expect(examples.length).toBeGreaterThanOrEqual(7);
  });

  it.each(examples.map((e, i) => [i + 1, e] as const))('example %i gives the output shown', async (_n, { query, output }) => {
    // Every response also says its cost (README, "On the public internet"); the examples leave it out.
    const { extensions, ...answer } = (await api.query(query)) as { extensions?: { cost?: unknown } };
    expect(answer).toEqual(JSON.parse(output));
    expect(extensions?.cost).toBeDefined();
  });
});
