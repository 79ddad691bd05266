// Reading organizations: by id, by slug, and as ordered pages.
import { and, count, gte, inArray, lt, or } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { organizations, type OrganizationRow } from '../db/schema.ts';
import { keysetQuery, type Page, type PageRequest, type SortKey } from './keyset.ts';

export type { OrganizationRow };

export type OrganizationOrder = 'PAPER_COUNT' | 'NAME';

export function organizationsByIds(db: Db, ids: readonly number[]): OrganizationRow[] {
  return db.select().from(organizations).where(inArray(organizations.id, [...ids])).all();
}

export function organizationsBySlugs(db: Db, slugs: readonly string[]): OrganizationRow[] {
  return db.select().from(organizations).where(inArray(organizations.slug, [...slugs])).all();
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

/** Case-insensitive prefix of the display name or of the slug. */
function matching(query: string | null | undefined) {
  if (!query) return undefined;
  const key = query.trim().toLowerCase();
  const end = `${key}\u{10FFFF}`;
  return or(
    and(gte(organizations.nameKey, key), lt(organizations.nameKey, end)),
    and(gte(organizations.slug, key), lt(organizations.slug, end)),
  );
}

export function listOrganizations(
  db: Db,
  query: string | null | undefined,
  order: OrganizationOrder,
  request: PageRequest,
): Page<OrganizationRow> {
  const keys = ORGANIZATION_SORT[order];
  const page = keysetQuery(keys, request);
  const rows = db
    .select()
    .from(organizations)
    .where(and(matching(query), page.where))
    .orderBy(...page.orderBy)
    .limit(page.limit)
    .all();
  return page.page(rows, (o) => (order === 'NAME' ? [o.nameKey, o.slug] : [o.paperCount, o.slug]));
}

export function countOrganizations(db: Db, query: string | null | undefined): number {
  return db.select({ n: count() }).from(organizations).where(matching(query)).get()!.n;
}
