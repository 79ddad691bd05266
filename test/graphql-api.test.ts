// Cross-cutting behaviour: global ids, input errors, batching, error masking,
// GraphiQL and schema documentation.
import {
  getNamedType,
  isObjectType,
  isInputObjectType,
  isEnumType,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { createContext } from '../src/graphql/context.ts';
import { schema } from '../src/graphql/schema.ts';
import { readTogether } from '../src/graphql/siblings.ts';
import { client, ENGINE } from './helpers.ts';

const api = client();

describe('node and nodes', () => {
  it('round-trips the id of a paper, an author and an organization', async () => {
    const { paper } = await api.data('{ paper(arxivId: "2509.21043") { id authors { id name } organization { id slug } } }');
    const ids = [paper.id, paper.authors[0].id, paper.organization.id];
    const { nodes } = await api.data(`query($ids: [ID!]!) { nodes(ids: $ids) {
      __typename id ... on Paper { arxivId } ... on Author { name } ... on Organization { slug } } }`, { ids });
    expect(nodes).toEqual([
      { __typename: 'Paper', id: paper.id, arxivId: '2509.21043' },
      { __typename: 'Author', id: paper.authors[0].id, name: paper.authors[0].name },
      { __typename: 'Organization', id: paper.organization.id, slug: 'spiralworks' },
    ]);
    const { node } = await api.data(`{ node(id: "${paper.id}") { id } }`);
    expect(node.id).toBe(paper.id);
  });

  it('gives null for a well-formed id of nothing, and refuses more than 100 ids', async () => {
    const unknown = Buffer.from('Paper:1901.00001').toString('base64');
    expect((await api.data(`{ node(id: "${unknown}") { id } nodes(ids: ["${unknown}"]) { id } }`))).toEqual({ node: null, nodes: [null] });
    const tooMany = await api.query('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: Array(101).fill(unknown) });
    expect(tooMany.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'ids' } });
  });
});

describe('bad input', () => {
  // Each: a query, and the argument its error must name.
  const cases: [string, string][] = [
    ['{ papers(first: 101) { totalCount } }', 'first'],
    ['{ papers(first: 0) { totalCount } }', 'first'],
    ['{ papers(last: -1) { totalCount } }', 'last'],
    ['{ organizations(first: 1000) { totalCount } }', 'first'],
    ['{ trendingPapers(first: 101) { totalCount } }', 'first'],
    ['{ papers(after: "bm90IGEgY3Vyc29y") { totalCount } }', 'after'],
    ['{ papers(last: 5, before: "xyz") { totalCount } }', 'before'],
    ['{ papers(first: 5, last: 5) { totalCount } }', 'last'],
    ['{ papers(filter: {published: {from: "2024-02-30"}}) { totalCount } }', 'filter.published.from'],
    ['{ papers(filter: {listed: {from: "2026-02-01", to: "2026-01-01"}}) { totalCount } }', 'filter.listed'],
    ['{ digest(period: YEAR) { startDate } }', 'period'],
    ['{ digest(date: "yesterday") { startDate } }', 'date'],
    ['{ trendingPapers(window: FORTNIGHT) { totalCount } }', 'window'],
    ['{ trendingPapers(asOf: "2026-06-30") { totalCount } }', 'asOf'],
    ['{ paper(arxivId: "2310.05869") { trendingScore(asOf: "noon") } }', 'asOf'],
    ['{ node(id: "not-an-id") { id } }', 'id'],
    ['{ nodes(ids: ["UGFwZXI6MjMxMC4wNTg2OQ==", "Zm9vOmJhcg=="]) { id } }', 'ids[1]'],
  ];

  it.each(cases)('%s names "%s" and says BAD_USER_INPUT', async (query, argument) => {
    const result = await api.query(query);
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.message).toContain(`"${argument}`);
    expect(result.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('says BAD_USER_INPUT for variables of the wrong value, naming the variable', async () => {
    for (const [query, variables] of [
      ['query($p: DigestPeriod!) { digest(period: $p) { startDate } }', { p: 'YEAR' }],
      ['query($d: Date) { digest(date: $d) { startDate } }', { d: '2026-1-1' }],
    ] as const) {
      const result = await api.query(query, variables);
      expect(result.errors![0]!.message).toMatch(/Variable "\$[pd]"/u);
      expect(result.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('rejects a cursor from another order', async () => {
    const { papers } = await api.data('{ papers(first: 1) { pageInfo { endCursor } } }');
    const result = await api.query(`{ papers(orderBy: {field: UPVOTES}, after: "${papers.pageInfo.endCursor}") { totalCount } }`);
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
  });
});

describe('batching', () => {
  const page = (size: number) => `{ papers(first: ${size}) { nodes { title authors { name } organization { name } } } }`;

  it('runs as many statements for 100 papers with authors and organizations as for 5, and at most 5', async () => {
    const five = await api.statements(() => api.data(page(5)));
    const hundred = await api.statements(() => api.data(page(100)));
    expect(hundred).toBeLessThanOrEqual(five);
    expect(hundred).toBeLessThanOrEqual(5);
  });

  it('looks one paper and its organization up in one statement, and its authors in another, by their keys with no JSON list to unpack', async () => {
    const query = '{ paper(arxivId: "2502.07408") { title authors { name } organization { name } } }';
    const statements = await api.sql(() => api.data(query));
    expect((await api.data(query)).paper.organization).not.toBeNull();
    expect(statements).toHaveLength(2);
    expect(statements.filter((sql) => /left join "?organizations"?/iu.test(sql))).toHaveLength(1);
    expect(statements.filter((sql) => sql.includes('json_each'))).toEqual([]);
    // Without the organization asked for, no join.
    expect((await api.sql(() => api.data('{ paper(arxivId: "2502.07408") { title } }'))).join('\n')).not.toContain('organizations');
  });

  it('answers the organization joined to a lookup or a search as the one loaded on its own, and without one as null', async () => {
    const fields = 'id slug name avatarUrl paperCount papers(first: 2) { totalCount nodes { arxivId } }';
    // Papers of several organizations, and papers without one.
    const { papers } = await api.data(`{ papers(first: 100) { nodes { id arxivId organization { ${fields} } } } }`);
    const picked = [...papers.nodes.filter((p: any) => p.organization).slice(0, 6), ...papers.nodes.filter((p: any) => !p.organization).slice(0, 2)];
    expect(picked.filter((p: any) => !p.organization)).toHaveLength(2);
    const organizations = new Set(picked.map((p: any) => p.organization?.slug));
    expect(organizations.size).toBeGreaterThan(2);
    for (const listed of picked) {
      const { paper, node } = await api.data(`{ paper(arxivId: "${listed.arxivId}") { organization { ${fields} } }
        node(id: "${listed.id}") { ... on Paper { organization { ${fields} } } } }`);
      expect(paper.organization, listed.arxivId).toEqual(listed.organization);
      expect(node.organization, listed.arxivId).toEqual(listed.organization);
    }
    // A search reads the organizations with the highlights: the same as those loaded for the papers' lookups.
    const { searchPapers } = await api.data(`{ searchPapers(query: "model", first: 30) { edges { node { arxivId organization { ${fields} } } } } }`);
    expect(searchPapers.edges.filter((e: any) => e.node.organization === null).length).toBeGreaterThan(0);
    expect(new Set(searchPapers.edges.map((e: any) => e.node.organization?.slug)).size).toBeGreaterThan(2);
    for (const { node } of searchPapers.edges) {
      const alone = await api.data(`{ nodes(ids: ["${Buffer.from(`Paper:${node.arxivId}`).toString('base64')}"]) { ... on Paper { organization { ${fields} } } } }`);
      expect(node.organization, node.arxivId).toEqual(alone.nodes[0].organization);
    }
  });

  it('loads the authors and organizations of papers fetched by id together, and of their authors the papers', async () => {
    const ids = (await api.data(page(30).replace('title', 'id'))).papers.nodes.map((p: { id: string }) => p.id);
    const byIds = (n: number) => `{ nodes(ids: ${JSON.stringify(ids.slice(0, n))}) { ... on Paper {
      title organization { name } authors { name papers(first: 1) { nodes { arxivId } } } } } }`;
    const few = await api.statements(() => api.data(byIds(2)));
    expect(await api.statements(() => api.data(byIds(30)))).toBe(few);
    // papers, their organizations, their authors, the authors' papers
    expect(few).toBe(4);
    const answered = (await api.data(byIds(30))).nodes;
    const listed = (await api.data(page(30))).papers.nodes;
    expect(answered.map((p: any) => [p.title, p.organization, p.authors.map((a: any) => a.name)])).toEqual(
      listed.map((p: any) => [p.title, p.organization, p.authors.map((a: any) => a.name)]),
    );
    // Separate node fields of one type share a statement too, and so do their rows.
    const aliased = (n: number) => `{ ${ids.slice(0, n).map((id: string, i: number) => `p${i}: node(id: "${id}") { ... on Paper { title organization { name } } }`).join(' ')} }`;
    expect(await api.statements(() => api.data(aliased(2)))).toBe(2);
    expect(await api.statements(() => api.data(aliased(12)))).toBe(2);
    expect(Object.values(await api.data(aliased(12))).map((p: any) => p.title)).toEqual(listed.slice(0, 12).map((p: any) => p.title));
  });

  it('loads the papers of every organization and author of a list together, each page right', async () => {
    const orgs = (size: number) => `{ organizations(first: ${size}) { nodes { slug papers(first: 3, orderBy: {field: UPVOTES}) {
      totalCount nodes { arxivId } pageInfo { hasNextPage } } } } }`;
    expect(await api.statements(() => api.data(orgs(30)))).toBe(await api.statements(() => api.data(orgs(2))));
    const listed = (await api.data(orgs(5))).organizations.nodes;
    for (const org of listed) {
      const alone = await api.data(`{ organization(slug: "${org.slug}") { slug papers(first: 3, orderBy: {field: UPVOTES}) {
        totalCount nodes { arxivId } pageInfo { hasNextPage } } } }`);
      expect(alone.organization).toEqual(org);
    }
    // Past a cursor and under a filter, with two different cursors in turn (each
    // shape of list is prepared once: the values must not stick to it).
    const first = (await api.data('{ papers(first: 41, orderBy: {field: UPVOTES}) { edges { cursor } } }')).papers.edges;
    for (const { cursor } of [first[2], first[40]]) {
      const args = `first: 3, after: "${cursor}", orderBy: {field: UPVOTES}, filter: {published: {from: "2023-01-01"}}`;
      const together = (await api.data(`{ organizations(first: 6) { nodes { slug papers(${args}) { totalCount nodes { arxivId upvotes } } } } }`))
        .organizations.nodes;
      expect(together.some((org: any) => org.papers.nodes.length > 0)).toBe(true);
      for (const org of together) {
        expect((await api.data(`{ organization(slug: "${org.slug}") { slug papers(${args}) { totalCount nodes { arxivId upvotes } } } }`)).organization).toEqual(org);
        // The same page from the list of all papers, filtered to the organization.
        const args2 = args.replace('filter: {', `filter: {organizations: ["${org.slug}"], `);
        expect((await api.data(`{ papers(${args2}) { totalCount nodes { arxivId upvotes } } }`)).papers).toEqual(org.papers);
      }
    }
    const authors = (size: number) => `{ authors(query: "a", first: ${size}) { nodes { papers(first: 2) { totalCount nodes { arxivId } } } } }`;
    expect(await api.statements(() => api.data(authors(50)))).toBe(await api.statements(() => api.data(authors(2))));
  });

  it('reads only names for `authors { name }`, and whole authors when more is asked, with the same names either way', async () => {
    const withNames = await api.data('{ papers(first: 50, orderBy: {field: UPVOTES}) { nodes { arxivId authors { name } } } }');
    const withMore = await api.data(
      '{ papers(first: 50, orderBy: {field: UPVOTES}) { nodes { arxivId authors { __typename id name paperCount accountName } } } }',
    );
    const names = (data: any) => data.papers.nodes.map((p: any) => [p.arxivId, p.authors.map((a: any) => a.name)]);
    expect(names(withMore)).toEqual(names(withNames));
    expect(withMore.papers.nodes.flatMap((p: any) => p.authors).every((a: any) => a.paperCount >= 1 && a.__typename === 'Author')).toBe(true);
    // Both in one query, under two aliases: one statement for each set of columns.
    // (Page sizes differ from the queries above: repeated queries are answered by the response cache.)
    let data: any;
    const both = await api.statements(async () => (data = await api.data('{ papers(first: 49) { nodes { a: authors { name } b: authors { name paperCount } } } }')));
    expect(data.papers.nodes.every((p: any) => p.a.length === p.b.length && p.a.every((a: any, i: number) => a.name === p.b[i].name))).toBe(true);
    expect(both).toBe((await api.statements(() => api.data('{ papers(first: 48) { nodes { authors { name } } } }'))) + 1);
  });

  it("reads a list's abstracts and summaries only when a field under it asks for them, and answers the same", async () => {
    // A paper's texts among its columns: its abstract as SQLite names it, or its summary (PostgreSQL's
    // search reads the abstract of every paper it highlights, whatever else is asked).
    const readsTexts = (sql: string[]) => sql.some((s) => s.includes('"abstract"') || s.includes('ai_summary'));
    const texts = 'arxivId abstract aiSummary aiKeywords';
    const asked = [
      `{ papers(first: 30, orderBy: {field: UPVOTES}) { nodes { ${texts} } } }`,
      `{ papers(first: 31, orderBy: {field: UPVOTES}) { edges { node { ...T } } } } fragment T on Paper { ${texts} }`,
      `{ trendingPapers(first: 30) { nodes { ... on Paper { arxivId ... on Node { ... on Paper { abstract aiSummary aiKeywords } } } } } }`,
      `{ digest(period: WEEK) { papers(first: 30) { nodes { ${texts} } } } }`,
      `{ organizations(first: 3) { nodes { papers(first: 5) { nodes { ${texts} } } } } }`,
      `{ searchPapers(query: "model", first: 30) { edges { abstractSnippet node { ${texts} } } } }`,
    ];
    for (const query of asked) {
      let data: any;
      const sql = await api.sql(async () => (data = await api.data(query)));
      expect(readsTexts(sql)).toBe(true);
      // Read with the list, not by one more statement afterwards.
      expect(sql).toHaveLength((await api.sql(() => api.data(query.replace('abstract aiSummary aiKeywords', 'title')))).length);
      const papers = JSON.stringify(data).match(/"arxivId":"[^"]+","abstract":"[^"]+","aiSummary":(null|"[^"]*"),"aiKeywords":\[[^\]]*\]/g)!;
      expect(papers.length).toBeGreaterThan(2);
      // The same texts as the paper looked up alone.
      const first = JSON.parse(`{${papers[0]}}`);
      const { paper } = await api.data(`{ paper(arxivId: "${first.arxivId}") { ${texts} } }`);
      expect(paper).toEqual(first);
    }
    for (const query of [
      '{ papers(first: 30, orderBy: {field: UPVOTES}) { nodes { arxivId title authors { name } } } }',
      '{ trendingPapers(first: 30) { nodes { title abstractOfTitle: title } } }',
      '{ organizations(first: 3) { nodes { papers(first: 5) { nodes { title } } } } }',
      '{ searchPapers(query: "model", first: 30) { edges { titleHighlight abstractSnippet node { title } } } }',
    ]) {
      expect(readsTexts(await api.sql(() => api.data(query)))).toBe(false);
    }
    // A paper looked up alone, likewise.
    const lookup = (fields: string) => api.sql(() => api.data(`{ paper(arxivId: "2310.05869") { ${fields} } }`));
    expect(readsTexts(await lookup('title authors { name }'))).toBe(false);
    expect(readsTexts(await lookup('title aiSummary'))).toBe(true);
  });

  it('loads the texts of papers read without them, in one statement', async () => {
    const { catalogue, mailStore } = await api.served();
    const order = { field: 'UPVOTES', direction: 'DESC' } as const;
    const page = await catalogue.listPapers({}, order, { forward: true, size: 5, after: null }, 'brief');
    const full = await catalogue.listPapers({}, order, { forward: true, size: 5, after: null }, 'all');
    expect(page.rows.every(({ row }) => !('abstract' in row))).toBe(true);
    // As the list resolvers mark the papers of a page.
    readTogether(page.rows.map(({ row }) => row));
    // The Paper type's own resolvers (the list decides what it reads, so a paper
    // without texts meets these only if that decision is wrong).
    const fields = (schema.getType('Paper') as GraphQLObjectType).getFields();
    const context = createContext(catalogue, mailStore, { publicUrl: 'http://test', nudge: () => {} });
    const info = {} as GraphQLResolveInfo;
    const sql = await api.sql(async () => {
      const answers = await Promise.all(
        page.rows.map(async ({ row }) => ({
          abstract: await fields.abstract!.resolve!(row, {}, context, info),
          aiSummary: await fields.aiSummary!.resolve!(row, {}, context, info),
          aiKeywords: await fields.aiKeywords!.resolve!(row, {}, context, info),
        })),
      );
      expect(answers).toEqual(
        full.rows.map(({ row }) => ({ abstract: row.abstract, aiSummary: row.aiSummary, aiKeywords: row.aiKeywords ? JSON.parse(row.aiKeywords) : [] })),
      );
    });
    expect(sql).toHaveLength(1);
  });

  // About SQLite's statement cache: PostgreSQL's driver sends each statement's text with its values.
  it.skipIf(ENGINE === 'postgres')('builds the SQL of a list, a count or a search once per shape, not again for other values', async () => {
    // drizzle prepares (through the connection's statement cache) every query it builds; a
    // statement prepared once per shape is run without being built or prepared again.
    const slugs = (await api.data('{ organizations(first: 5) { nodes { slug } } }')).organizations.nodes.map((o: any) => o.slug);
    const shapes = [
      (n: number) => `{ papers(first: ${n}, orderBy: {field: UPVOTES}, filter: {minUpvotes: ${n}, published: {from: "2023-0${n}-01"}}) {
        totalCount nodes { arxivId title abstract authors { name } organization { name } } } }`,
      (n: number) => `{ trendingPapers(first: ${n}) { totalCount nodes { arxivId trendingScore authors { name } } } }`,
      (n: number) => `{ organization(slug: "${slugs[n]}") { papers(first: ${n}) { totalCount nodes { arxivId } } } }`,
      (n: number) => `{ organizations(first: ${n + 2}) { nodes { papers(first: ${n}, orderBy: {field: UPVOTES}) { totalCount nodes { arxivId } } } } }`,
      (n: number) => `{ authors(query: "${['a', 'li', 'wang'][n % 3]}", first: ${n}) { totalCount nodes { name papers(first: 2) { nodes { arxivId } } } } }`,
      (n: number) => `{ searchPapers(query: "${['diffusion', 'language model', 'agent'][n % 3]}", first: ${n}) {
        totalCount edges { score titleHighlight node { arxivId authors { name } } } } }`,
    ];
    const prepare = vi.spyOn(api.database.sqlite, 'prepare');
    try {
      for (const shape of shapes) {
        await api.data(shape(2));
        prepare.mockClear();
        const statements = await api.statements(() => api.data(shape(4)));
        expect(statements).toBeGreaterThan(0);
        expect(prepare.mock.calls.map(([sql]) => sql)).toEqual([]);
      }
    } finally {
      prepare.mockRestore();
    }
  });

  describe('common page sizes', () => {
    const nodes = 'nodes { arxivId upvotes } pageInfo { hasNextPage hasPreviousPage }';
    const lists = [
      (size: string) => `{ papers(${size}, orderBy: {field: UPVOTES}) { ${nodes} } }`,
      (size: string) => `{ trendingPapers(${size}) { ${nodes} } }`,
      (size: string) => `{ digest(period: MONTH) { papers(${size}) { ${nodes} } } }`,
      (size: string) => `{ organization(slug: "nvidia") { papers(${size}, orderBy: {field: UPVOTES}) { ${nodes} } } }`,
    ];
    // Each: a common size, and one beside it.
    const sizes = [['first: 10', 'first: 11'], ['last: 10', 'last: 11'], ['first: 20', 'first: 21']] as const;
    /** The lists of papers in an answer, in order. */
    const pages = (data: any): any[] => {
      const found: any[] = [];
      JSON.stringify(data, (key, value) => (key === 'papers' || key === 'trendingPapers' ? (found.push(value.nodes.map((p: any) => p.arxivId)), undefined) : value));
      return found;
    };
    /** Whether an answer's list says there is more in the direction of travel. */
    const more = (data: any, backward: boolean): boolean => {
      let info: any;
      JSON.stringify(data, (key, value) => (key === 'pageInfo' ? ((info = value), undefined) : value));
      return backward ? info.hasPreviousPage : info.hasNextPage;
    };

    // SQLite's statement cache keeps a statement per common limit (papers.ts); PostgreSQL binds every limit.
    it.skipIf(ENGINE === 'postgres')('writes the limit of the common page sizes into the SQL and binds the others', async () => {
      for (const list of lists) {
        for (const [fixed, bound] of sizes) {
          const fixedSql = await api.sql(() => api.data(list(fixed)));
          const boundSql = await api.sql(() => api.data(list(bound)));
          expect(fixedSql.filter((sql) => / limit \d+/.test(sql)), list(fixed)).not.toEqual([]);
          expect(fixedSql.join('\n'), list(fixed)).not.toContain('limit ?');
          expect(boundSql.join('\n'), list(bound)).toContain('limit ?');
        }
      }
    });

    it('gives the same pages at the common page sizes as at the sizes beside them', async () => {
      for (const list of lists) {
        for (const [fixed, bound] of sizes) {
          const shortAnswer = await api.data(list(fixed));
          const [short] = pages(shortAnswer);
          const [long] = pages(await api.data(list(bound)));
          expect(long, list(bound)).toHaveLength(11 + (fixed === 'first: 20' ? 10 : 0));
          expect(short, list(fixed)).toEqual(fixed.startsWith('last') ? long.slice(1) : long.slice(0, -1));
          expect(more(shortAnswer, fixed.startsWith('last')), list(fixed)).toBe(true);
        }
      }
      // Many organizations' pages at once: cut by their rank against the same limit.
      const many = (size: number) => `{ organizations(first: 3) { nodes { papers(first: ${size}, orderBy: {field: UPVOTES}) { nodes { arxivId } } } } }`;
      const short = pages(await api.data(many(10)));
      const long = pages(await api.data(many(11)));
      expect(short).toHaveLength(3);
      expect(short).toEqual(long.map((page) => page.slice(0, 10)));
      expect(long.every((page) => page.length === 11)).toBe(true);
    });
  });

  it('pages organizations and authors with fresh values each time (their statements are prepared once per shape)', async () => {
    const walk = async (field: string, args: string, size: number, pages: number) => {
      const seen: unknown[] = [];
      let after: string | null = null;
      for (let i = 0; i < pages; i++) {
        const page: any = (await api.data(`{ ${field}(${args}, first: ${size}${after ? `, after: "${after}"` : ''}) { nodes { id name } pageInfo { endCursor } } }`))[field];
        seen.push(...page.nodes);
        after = page.pageInfo.endCursor;
      }
      return seen;
    };
    for (const args of ['orderBy: PAPER_COUNT', 'orderBy: NAME', 'query: "a"', 'query: "in"']) {
      const whole = (await api.data(`{ organizations(${args}, first: 21) { nodes { id name } } }`)).organizations.nodes;
      expect(whole.length).toBeGreaterThan(7);
      expect(await walk('organizations', args, 7, 3)).toEqual(whole);
    }
    for (const query of ['li', 'wang', 'a']) {
      const whole = (await api.data(`{ authors(query: "${query}", first: 12) { nodes { id name } } }`)).authors.nodes;
      expect(whole.length).toBe(12);
      expect(whole.every((a: any) => a.name.toLowerCase().split(/[\s-]+/u).some((w: string) => w.startsWith(query)))).toBe(true);
      expect(await walk('authors', `query: "${query}"`, 4, 3)).toEqual(whole);
    }
    // Counts too: searches small enough to come whole in one page count what they return.
    const whole = async (field: string, query: string) => (await api.data(`{ ${field}(query: "${query}", first: 100) { totalCount nodes { id } } }`))[field];
    for (const [field, query] of [['organizations', 'nvi'], ['organizations', 'deep'], ['authors', 'zhang wei'], ['authors', 'yann']]) {
      const found = await whole(field!, query!);
      expect(found.nodes.length).toBeGreaterThan(0);
      expect(found.nodes.length).toBeLessThan(100);
      expect(found.totalCount).toBe(found.nodes.length);
    }
  });

  it('keeps trending and nested author papers constant in the page size', async () => {
    const trending = (size: number) => `{ trendingPapers(first: ${size}) { totalCount nodes { trendingScore authors { name paperCount } organization { slug paperCount } } } }`;
    expect(await api.statements(() => api.data(trending(100)))).toBe(await api.statements(() => api.data(trending(3))));
  });
});

describe('errors that are not the client\'s fault', () => {
  // Made with the file (on PostgreSQL its copy is made before the tests), and closed by the test.
  const broken = client();

  it('are masked for the client and logged with their cause', async () => {
    await broken.close();
    const logged: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      logged.push(String(chunk));
      return true;
    });
    try {
      const result = await broken.query('{ papers(first: 1) { totalCount } }');
      expect(result.errors![0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(JSON.stringify(result)).not.toContain('database');
    } finally {
      spy.mockRestore();
    }
    expect(logged.join('')).toMatch(ENGINE === 'postgres' ? /unexpected error.*pool after calling end/isu : /unexpected error.*database connection is not open/isu);
  });
});

describe('GraphiQL and schema', () => {
  it('serves GraphiQL with an example query to a browser', async () => {
    const response = await api.app.fetch('http://test/graphql', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('trendingPapers(window: WEEK, first: 5)');
  });

  it('describes every type, field, argument and enum value of its own', () => {
    const missing = undocumented(schema);
    expect(missing).toEqual([]);
  });
});

function undocumented(s: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const type of Object.values(s.getTypeMap())) {
    if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
    if (!type.description) missing.push(type.name);
    if (isObjectType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        for (const arg of 'args' in field ? field.args : []) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        getNamedType(field.type);
      }
    }
    if (isEnumType(type)) for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
  }
  return missing;
}
