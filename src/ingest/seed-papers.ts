// Reader for `seed-papers.json`: the papers of the page the catalogue was
// modelled on, with plain author names and no daily listing.
import {
  FieldError,
  expectObject,
  optionalCount,
  optionalString,
  requiredArxivId,
  requiredDay,
  requiredString,
  type OrganizationRecord,
  type PaperRecord,
} from './record.ts';

/** True when the items look like seed-papers entries (they carry `arxivId`). */
export function isSeedPapers(items: unknown[]): boolean {
  const first = items[0];
  return typeof first === 'object' && first !== null && 'arxivId' in first;
}

export function readSeedPapersItem(item: unknown): PaperRecord {
  const paper = expectObject(item, '');
  if (!Array.isArray(paper.authors)) throw new FieldError('authors', 'expected a list of names');
  const authors = paper.authors.map((name, position) => ({
    name: requiredString(name, `authors[${position}]`),
    accountName: null,
    position,
  }));
  const authorCount = optionalCount(paper.authorCount, 'authorCount') ?? authors.length;
  if (authorCount < authors.length) {
    throw new FieldError('authorCount', `is ${authorCount} but ${authors.length} authors are named`);
  }
  return {
    arxivId: requiredArxivId(paper.arxivId, 'arxivId'),
    title: requiredString(paper.title, 'title'),
    abstract: requiredString(paper.abstract, 'abstract'),
    publishedAt: requiredDay(paper.publishedAt, 'publishedAt'),
    listedOn: null,
    upvotes: optionalCount(paper.upvotes, 'upvotes') ?? 0,
    authorCount,
    authors,
    organization: readOrganization(paper.organization),
    githubUrl: optionalString(paper.githubUrl, 'githubUrl'),
    githubStars: optionalCount(paper.githubStars, 'githubStars'),
    projectUrl: optionalString(paper.projectUrl, 'projectUrl'),
    thumbnailUrl: null,
    aiSummary: null,
    aiKeywords: null,
    commentCount: null,
  };
}

function readOrganization(value: unknown): OrganizationRecord | null {
  if (value === undefined || value === null) return null;
  const org = expectObject(value, 'organization');
  const slug = requiredString(org.slug, 'organization.slug').toLowerCase();
  return { slug, name: optionalString(org.name, 'organization.name') ?? slug, avatarUrl: null };
}
