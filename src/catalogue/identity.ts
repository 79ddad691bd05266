/**
 * How an author is told apart: the name in Unicode NFC, runs of whitespace
 * collapsed to one space, compared case-insensitively. The daily-papers API
 * gives each author entry a per-paper id, so the name is all there is.
 */
export function authorKey(name: string): string {
  return displayName(name).toLowerCase();
}

/** The name as stored and shown: NFC, whitespace collapsed. */
export function displayName(name: string): string {
  return name.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

// New-style (2007+) ids like 2310.05869, old-style like hep-th/9901001, each
// with an optional version suffix that is not part of the identity.
const ARXIV_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?$/u;

/** The canonical arXiv id (version suffix dropped), or null when `text` is not one. */
export function parseArxivId(text: string): string | null {
  const match = ARXIV_ID.exec(text.trim());
  return match ? match[1]! : null;
}

/**
 * What a person might paste for a paper: "2310.05869", "2310.05869v2",
 * "arXiv:2310.05869" or an arxiv.org abs/pdf link. Null when it is none of them.
 */
export function arxivIdFromInput(text: string): string | null {
  const bare = text
    .trim()
    .replace(/^arxiv:/iu, '')
    .replace(/^(?:https?:\/\/)?(?:www\.)?arxiv\.org\/(?:abs|pdf)\//iu, '')
    .replace(/\.pdf$/iu, '');
  return parseArxivId(bare);
}
