// Reader for responses of the public daily-papers API, in every shape it has
// served: a plain array of items or an object wrapping it in `data`, with
// `mediaUrls` or the older `mediaUrl`.
import {
  FieldError,
  expectObject,
  isObject,
  optionalCount,
  optionalDay,
  optionalString,
  optionalStringList,
  requiredArxivId,
  requiredDay,
  requiredString,
  type AuthorRecord,
  type OrganizationRecord,
  utcDay,
  type PaperRecord,
} from './record.ts';

/** The items of a response, and the listing day the response itself names, if any. */
export function unwrapDailyPapers(json: unknown): { items: unknown[]; day: string | null } | null {
  if (Array.isArray(json)) return { items: json, day: null };
  if (isObject(json) && Array.isArray(json.data)) {
    return { items: json.data, day: typeof json.date === 'string' ? utcDay(json.date) : null };
  }
  return null;
}

/**
 * One item as a PaperRecord. `listingDay` is the day of the list the item
 * came from, when the file says so (by its name or its `date`).
 */
export function readDailyPapersItem(item: unknown, listingDay: string | null): PaperRecord {
  const outer = expectObject(item, '');
  const paper = expectObject(outer.paper, 'paper');
  const authors = readAuthors(paper.authors);
  const submittedDay = optionalDay(paper.submittedOnDailyAt, 'paper.submittedOnDailyAt');
  optionalMedia(paper, 'paper.');
  optionalMedia(outer, '');
  return {
    arxivId: requiredArxivId(paper.id, 'paper.id'),
    title: requiredString(paper.title ?? outer.title, 'paper.title'),
    abstract: requiredString(paper.summary ?? outer.summary, 'paper.summary'),
    publishedAt: requiredDay(paper.publishedAt ?? outer.publishedAt, 'paper.publishedAt'),
    listedOn: listingDay ?? submittedDay,
    upvotes: optionalCount(paper.upvotes, 'paper.upvotes') ?? 0,
    authorCount: authors.count,
    authors: authors.visible,
    organization: readOrganization(outer.organization ?? paper.organization, outer.organization ? 'organization' : 'paper.organization'),
    githubUrl: optionalString(paper.githubRepo, 'paper.githubRepo'),
    githubStars: optionalCount(paper.githubStars, 'paper.githubStars'),
    projectUrl: optionalString(paper.projectPage, 'paper.projectPage'),
    thumbnailUrl: optionalString(outer.thumbnail, 'thumbnail'),
    aiSummary: optionalString(paper.ai_summary, 'paper.ai_summary'),
    aiKeywords: optionalStringList(paper.ai_keywords, 'paper.ai_keywords'),
    commentCount: optionalCount(outer.numComments, 'numComments'),
  };
}

function readAuthors(value: unknown): { count: number; visible: AuthorRecord[] } {
  if (value === undefined || value === null) return { count: 0, visible: [] };
  if (!Array.isArray(value)) throw new FieldError('paper.authors', 'expected a list of authors');
  const visible: AuthorRecord[] = [];
  value.forEach((entry, position) => {
    const field = `paper.authors[${position}]`;
    const author = expectObject(entry, field);
    if (author.hidden !== undefined && typeof author.hidden !== 'boolean') {
      throw new FieldError(`${field}.hidden`, 'expected true or false');
    }
    if (author.hidden === true) return;
    const user = author.user === undefined || author.user === null ? null : expectObject(author.user, `${field}.user`);
    visible.push({
      name: requiredString(author.name, `${field}.name`),
      accountName: user ? optionalString(user.user, `${field}.user.user`) : null,
      position,
    });
  });
  return { count: value.length, visible };
}

function readOrganization(value: unknown, field: string): OrganizationRecord | null {
  if (value === undefined || value === null) return null;
  const org = expectObject(value, field);
  const name = requiredString(org.name, `${field}.name`);
  return {
    slug: name.toLowerCase(),
    name: optionalString(org.fullname, `${field}.fullname`) ?? name,
    avatarUrl: optionalString(org.avatar, `${field}.avatar`),
  };
}

/** Media links are not stored, but a wrong type is still a malformed item. */
function optionalMedia(item: Record<string, unknown>, prefix: string): void {
  optionalStringList(item.mediaUrls, `${prefix}mediaUrls`);
  optionalString(item.mediaUrl, `${prefix}mediaUrl`);
}
