import { parseArxivId } from '../catalogue/identity.ts';

// The shape every reader produces and the importer consumes, and the checks
// readers share. A reader never touches the database.

export interface AuthorRecord {
  name: string;
  /** Username of a linked account on the daily-papers site. */
  accountName: string | null;
  /** Index in the paper's full author list, hidden authors included. */
  position: number;
}

export interface OrganizationRecord {
  slug: string;
  name: string;
  avatarUrl: string | null;
}

export interface PaperRecord {
  arxivId: string;
  title: string;
  abstract: string;
  /** "YYYY-MM-DD" (UTC). */
  publishedAt: string;
  /** The daily-papers listing day, or null when the source lists nothing. */
  listedOn: string | null;
  upvotes: number;
  authorCount: number;
  /** Visible authors only, in paper order. */
  authors: AuthorRecord[];
  organization: OrganizationRecord | null;
  githubUrl: string | null;
  githubStars: number | null;
  projectUrl: string | null;
  thumbnailUrl: string | null;
  aiSummary: string | null;
  aiKeywords: string[] | null;
  commentCount: number | null;
}

/** One thing wrong with one item of a file. `index` is null for the file as a whole. */
export interface Problem {
  file: string;
  index: number | null;
  field: string;
  message: string;
}

export function describeProblem(p: Problem): string {
  const where = p.index === null ? p.file : `${p.file}: item ${p.index}`;
  return `${where}: ${p.field === '' ? '' : `field "${p.field}": `}${p.message}`;
}

export interface ReadResult {
  format: 'daily-papers' | 'seed-papers';
  /** Number of items in the file, valid or not. */
  items: number;
  records: PaperRecord[];
  problems: Problem[];
}

/** Thrown by the field readers below; the reader turns it into a Problem. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

type Json = unknown;

export function describeType(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string ("${value.length > 40 ? `${value.slice(0, 40)}…` : value}")`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value} (${String(value)})`;
}

export function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectObject(value: Json, field: string): Record<string, Json> {
  if (!isObject(value)) throw new FieldError(field, `expected an object, got ${describeType(value)}`);
  return value;
}

/** Collapses runs of whitespace (titles and abstracts arrive hard-wrapped). */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

export function requiredString(value: Json, field: string): string {
  if (value === undefined || value === null) throw new FieldError(field, 'is missing');
  if (typeof value !== 'string') throw new FieldError(field, `expected a string, got ${describeType(value)}`);
  const text = collapseWhitespace(value);
  if (text === '') throw new FieldError(field, 'is empty');
  return text;
}

export function optionalString(value: Json, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new FieldError(field, `expected a string, got ${describeType(value)}`);
  const text = value.trim();
  return text === '' ? null : text;
}

export function optionalCount(value: Json, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new FieldError(field, `expected a whole number ≥ 0, got ${describeType(value)}`);
  }
  return value;
}

export function optionalStringList(value: Json, field: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new FieldError(field, `expected a list of strings, got ${describeType(value)}`);
  }
  return value as string[];
}

export function requiredArxivId(value: Json, field: string): string {
  const text = requiredString(value, field);
  const id = parseArxivId(text);
  if (id === null) throw new FieldError(field, `"${text}" is not an arXiv id`);
  return id;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})/u;

/** The UTC day of an ISO date or date-time, or null when it is not a real one. */
export function utcDay(text: string): string | null {
  if (!DAY.test(text)) return null;
  const time = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(time)) return null;
  const day = new Date(time).toISOString().slice(0, 10);
  // Date.parse rolls 2025-02-30 over to March: refuse instead.
  return text.length === 10 && day !== text ? null : day;
}

export function requiredDay(value: Json, field: string): string {
  const text = requiredString(value, field);
  const day = utcDay(text);
  if (day === null) throw new FieldError(field, `"${text}" is not an ISO date`);
  return day;
}

export function optionalDay(value: Json, field: string): string | null {
  return value === undefined || value === null ? null : requiredDay(value, field);
}
