// Reading organizations: by id, by slug, and as ordered pages.
import { and, count, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { organizations, type OrganizationRow } from '../db/schema.ts';
import { byKeys, placeholders, prepared } from './prepared.ts';
import { cursorShape, keysetQuery, type Bind, type Page, type PageRequest, type SortKey } from './keyset.ts';

export type { OrganizationRow };

export type OrganizationOrder = 'PAPER_COUNT' | 'NAME';

export function organizationsByIds(db: Db, ids: readonly number[]): OrganizationRow[] {
  const keys = byKeys(ids);
  const statement = prepared(db, `organizationsByIds ${keys.shape}`, () => db.select().from(organizations).where(keys.where(organizations.id)).prepare());
  return statement.all(keys.params);
}

/**
 * An organization's columns, to read it with a paper by a LEFT JOIN (a lookup
 * asked for its organization: one statement instead of two). The keys only
 * name the values; organizationsFromValues reads them in this order.
 */
export const JOINED_ORGANIZATION = {
  organizationRowId: organizations.id,
  organizationSlug: organizations.slug,
  organizationName: organizations.name,
  organizationNameKey: organizations.nameKey,
  organizationAvatarUrl: organizations.avatarUrl,
  organizationPaperCount: organizations.paperCount,
};

/** The organizations of rows of values holding JOINED_ORGANIZATION's from index `at`: null where there is none, one object per organization. */
export function organizationsFromValues(rows: readonly unknown[][], at: number): (OrganizationRow | null)[] {
  const byId = new Map<number, OrganizationRow>();
  return rows.map((v) => {
    const id = v[at] as number | null;
    if (id === null) return null;
    let organization = byId.get(id);
    if (!organization) {
      organization = {
        id,
        slug: v[at + 1] as string,
        name: v[at + 2] as string,
        nameKey: v[at + 3] as string,
        avatarUrl: v[at + 4] as string | null,
        paperCount: v[at + 5] as number,
      };
      byId.set(id, organization);
    }
    return organization;
  });
}

export function organizationsBySlugs(db: Db, slugs: readonly string[]): OrganizationRow[] {
  const keys = byKeys(slugs);
  const statement = prepared(db, `organizationsBySlugs ${keys.shape}`, () => db.select().from(organizations).where(keys.where(organizations.slug)).prepare());
  return statement.all(keys.params);
}

export const ORGANIZATION_SORT: Record<OrganizationOrder, SortKey[]> = {
  PAPER_COUNT: [
    { expr: organizations.paperCount, direction: 'desc', type: 'number' },
    { expr: organizations.slug, direction: 'asc', type: 'string' },
  ],
  NAME: [
    { expr: organizations.nameKey, direction: 'asc', type: 'string' },
    { expr: organizations.slug, direction: 'asc', type: 'string' },
  ],
};

/** Organizations whose name or slug has a word starting with each word of `expression`; all when null. */
const matching = (expression: string | null, bind: Bind) =>
  expression === null
    ? undefined
    : sql`${organizations.id} IN (SELECT rowid FROM organizations_fts WHERE organizations_fts MATCH ${bind('match', expression)})`;

// Prepared once per shape of query (searched or not, which order, which way), as lists of papers are.
export function listOrganizations(
  db: Db,
  expression: string | null,
  order: OrganizationOrder,
  request: PageRequest,
): Page<OrganizationRow> {
  const { bind, params } = placeholders();
  const keys = ORGANIZATION_SORT[order];
  const page = keysetQuery(keys, request, bind);
  const condition = matching(expression, bind);
  params.limit = page.limit;
  const statement = prepared(db, `listOrganizations ${expression === null ? 'all' : 'matching'} ${order} ${cursorShape(request)}`, () =>
    db
      .select()
      .from(organizations)
      .where(and(condition, page.where))
      .orderBy(...page.orderBy)
      .limit(sql.placeholder('limit'))
      .prepare(),
  );
  return page.page(statement.all(params), (o) => (order === 'NAME' ? [o.nameKey, o.slug] : [o.paperCount, o.slug]));
}

export function countOrganizations(db: Db, expression: string | null): number {
  const { bind, params } = placeholders();
  const condition = matching(expression, bind);
  const statement = prepared(db, `countOrganizations ${expression === null ? 'all' : 'matching'}`, () =>
    db.select({ n: count() }).from(organizations).where(condition).prepare(),
  );
  return statement.get(params)!.n;
}
