// A list of papers reads the fewest columns that answer what it is asked for
// (PaperColumns in src/catalogue/papers.ts, chosen in graphql/types/paper.ts).
// Whatever it reads, every field of a paper must answer as if the whole row
// had been read: each field of the Paper type, alone, is compared with the
// same field asked for with `abstract`, which makes any list read every column.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { client, seededCatalogue } from './helpers.ts';

// Authors' authors' papers count the largest author count twice over: past the default node limit, which is not what this tests.
const api = client(seededCatalogue(), { config: loadConfig({ RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent', MAX_QUERY_NODES: '10000000' }) });

/** Every way a page of papers (or one paper) is read, around a selection of paper fields. */
const LISTS: Record<string, (selection: string) => string> = {
  papers: (s) => `{ papers(first: 8, orderBy: { field: UPVOTES, direction: DESC }) { nodes { ${s} } } }`,
  trendingPapers: (s) => `{ trendingPapers(first: 8) { edges { cursor node { ${s} } } } }`,
  digest: (s) => `{ digest(period: MONTH) { papers(first: 8) { nodes { ${s} } } } }`,
  'one organization': (s) => `{ organization(slug: "nvidia") { papers(first: 8) { nodes { ${s} } } } }`,
  'many organizations': (s) => `{ organizations(first: 3) { nodes { papers(first: 3) { nodes { ${s} } } } } }`,
  "authors' papers": (s) => `{ paper(arxivId: "2310.05869") { authors { papers(first: 2) { nodes { ${s} } } } } }`,
  searchPapers: (s) => `{ searchPapers(query: "model", first: 8) { edges { node { ${s} } } } }`,
  paper: (s) => `{ paper(arxivId: "2310.05869") { ${s} } }`,
};

/** The data without any `abstract` key. */
const withoutAbstracts = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(withoutAbstracts)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'abstract').map(([key, v]) => [key, withoutAbstracts(v)]))
      : value;

describe('columns a list of papers reads', () => {
  it('answer every field of a paper as the whole row does, in every kind of list', async () => {
    interface TypeRef {
      kind: string;
      name: string | null;
      ofType?: TypeRef | null;
    }
    const type = await api.data<{ __type: { fields: { name: string; type: TypeRef }[] } }>(
      '{ __type(name: "Paper") { fields { name type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }',
    );
    const named = (t: TypeRef): TypeRef => (t.ofType ? named(t.ofType) : t);
    // Object fields with a subselection of their own: the name of an author or an organization.
    const selections = type.__type.fields.map(({ name, type }) => {
      const object = named(type);
      if (object.kind !== 'OBJECT') return name;
      return `${name} { __typename ${object.name === 'Author' || object.name === 'Organization' ? 'name' : ''} }`;
    });
    expect(selections.length).toBeGreaterThanOrEqual(20);
    for (const [list, query] of Object.entries(LISTS)) {
      // (abstract itself is read with every column either way)
      for (const selection of selections.filter((s) => s !== 'abstract')) {
        const alone = await api.data(query(selection));
        const whole = await api.data(query(`${selection} abstract`));
        expect(alone, `${list}: ${selection}`).toEqual(withoutAbstracts(whole));
      }
    }
  });

  it('read only what is asked for: four columns for arXiv ids, titles and upvotes, the texts only for a text', async () => {
    const columnsRead = async (query: string) => {
      const statements = await api.sql(() => api.data(query));
      return statements.find((sql) => sql.includes('"chosen"'))!;
    };
    const core = await columnsRead('{ digest(period: WEEK) { papers(first: 20) { nodes { arxivId title upvotes } } } }');
    expect(core).toMatch(/^select "papers"\."id", "papers"\."arxiv_id", "papers"\."title", "papers"\."upvotes", "sort_key" from/u);
    const listing = await columnsRead('{ trendingPapers(first: 20) { nodes { title trendingScore organization { name } } } }');
    expect(listing).toContain('"papers"."organization_id", "sort_key"');
    expect(listing).not.toContain('thumbnail_url');
    const brief = await columnsRead('{ papers(first: 5) { nodes { title thumbnailUrl } } }');
    expect(brief).toContain('"papers"."thumbnail_url"');
    expect(brief).not.toContain('"abstract"');
    expect(await columnsRead('{ papers(first: 5) { nodes { title aiSummary } } }')).toContain('"papers"."abstract"');
    // A field of Paper anywhere below counts, even under another list: more is read, never less.
    expect(await columnsRead('{ papers(first: 5) { nodes { title authors { papers(first: 1) { nodes { thumbnailUrl } } } } } }')).toContain('thumbnail_url');
  });
});
