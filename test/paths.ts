import { fileURLToPath } from 'node:url';

export const TMP = fileURLToPath(new URL('./.tmp', import.meta.url));
export const SEEDED_DB = `${TMP}/seeded.db`;
