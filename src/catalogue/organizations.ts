// Reading organizations: by id, by slug, and as ordered pages.
import { and, count, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { organizations, type OrganizationRow } from '../db/schema.ts';
import { inJsonList, prepared } from './prepared.ts';
import { keysetQuery, type Page, type PageRequest, type SortKey } from './keyset.ts';

export type { OrganizationRow };

export type OrganizationOrder = 'PAPER_COUNT' | 'NAME';

export function organizationsByIds(db: Db, ids: readonly number[]): OrganizationRow[] {
  const statement = prepared(db, 'organizationsByIds', () => db.select().from(organizations).where(inJsonList(organizations.id, 'ids')).prepare());
  return statement.all({ ids: JSON.stringify(ids) });
}

export function organizationsBySlugs(db: Db, slugs: readonly string[]): OrganizationRow[] {
  const statement = prepared(db, 'organizationsBySlugs', () =>
    db.select().from(organizations).where(inJsonList(organizations.slug, 'slugs')).prepare(),
  );
  return statement.all({ slugs: JSON.stringify(slugs) });
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
const matching = (expression: string | null) =>
  expression === null
    ? undefined
    : sql`${organizations.id} IN (SELECT rowid FROM organizations_fts WHERE organizations_fts MATCH ${expression})`;

export function listOrganizations(
  db: Db,
  expression: string | null,
  order: OrganizationOrder,
  request: PageRequest,
): Page<OrganizationRow> {
  const keys = ORGANIZATION_SORT[order];
  const page = keysetQuery(keys, request);
  const rows = db
    .select()
    .from(organizations)
    .where(and(matching(expression), page.where))
    .orderBy(...page.orderBy)
    .limit(page.limit)
    .all();
  return page.page(rows, (o) => (order === 'NAME' ? [o.nameKey, o.slug] : [o.paperCount, o.slug]));
}

export function countOrganizations(db: Db, expression: string | null): number {
  return db.select({ n: count() }).from(organizations).where(matching(expression)).get()!.n;
}
