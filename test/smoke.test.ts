import { describe, expect, it } from 'vitest';
import { client } from './helpers.ts';

describe('smoke', () => {
  it('answers /health and a trending query', async () => {
    const api = client();
    expect((await api.app.fetch('http://test/health')).status).toBe(200);
    const data = await api.data('{ trendingPapers(first: 2) { nodes { arxivId } } }');
    expect(data.trendingPapers.nodes).toHaveLength(2);
  });
});
