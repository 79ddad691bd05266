import { expect, it } from 'vitest';
import { client } from './helpers.ts';
const api = client();
const count = async (q: string) => (await api.data<any>('query($q: String!) { searchPapers(query: $q, first: 100) { totalCount edges { titleHighlight abstractSnippet node { arxivId title } } } }', { q })).searchPapers.totalCount as number;
it('race', async () => {
  const queries = ['diffusion', 'diffusion -video', 'diffusion video', 'video OR audio', 'video', 'audio', 'title:agent', 'diffus* -video'];
  const seq: number[] = [];
  for (const q of queries) seq.push(await count(q));
  const seen: string[] = [];
  for (let i = 0; i < 60; i++) {
    const par = await Promise.all(queries.map(count));
    if (par.join() !== seq.join()) seen.push(`${i}: ${par.join()} vs ${seq.join()}`);
  }
  console.log('seq', seq.join(), 'mismatches', seen.length, seen.slice(0, 5));
  expect(seen).toEqual([]);
}, 300_000);
