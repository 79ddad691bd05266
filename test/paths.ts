import { fileURLToPath } from 'node:url';

/** Scratch space of the tests (git-ignored). */
export const TMP = fileURLToPath(new URL('./.tmp', import.meta.url));
