// Email addresses as this service accepts them: one plain address, the same
// string for deduplication, rate limits and delivery. Anything a mail library
// might read differently from how it was stored (control characters, a
// display name, a list, a comment, quoting) is refused rather than repaired.

/** RFC 5321 limits: the whole path, and the local part. */
export const MAX_ADDRESS = 254;
export const MAX_LOCAL_PART = 64;
const MAX_LABEL = 63;

// Control characters (C0, DEL, C1) and invisible format characters (zero-width, bidi overrides).
const INVISIBLE = /[\p{Cc}\p{Cf}]/u;
const LOCAL_PART = /^[^\s@<>(),;:"[\]\\]+$/u;
const LABEL = /^(?!-)[^\s@<>(),;:"[\]\\.]+(?<!-)$/u;

export class AddressError extends Error {}

/**
 * The address, trimmed and lower-cased (the domain is case-insensitive by
 * definition; the local part is lower-cased too, as virtually every provider
 * treats it, so that "A@x.org" cannot be used to get past the per-address
 * limits of "a@x.org"). Throws AddressError saying what is wrong.
 */
export function normaliseAddress(raw: string): string {
  const address = raw.trim();
  if (INVISIBLE.test(address)) throw new AddressError('holds control or invisible characters');
  if (address.length > MAX_ADDRESS) throw new AddressError(`is longer than ${MAX_ADDRESS} characters`);
  const at = address.indexOf('@');
  if (at < 0 || at !== address.lastIndexOf('@')) throw new AddressError('is not a single plain email address (name@example.org)');
  const local = address.slice(0, at);
  const labels = address.slice(at + 1).split('.');
  if (local.length > MAX_LOCAL_PART) throw new AddressError(`has a part before the @ longer than ${MAX_LOCAL_PART} characters`);
  const plain =
    LOCAL_PART.test(local) &&
    !local.startsWith('.') &&
    !local.endsWith('.') &&
    !local.includes('..') &&
    labels.length >= 2 &&
    labels.every((label) => label.length <= MAX_LABEL && LABEL.test(label)) &&
    labels.at(-1)!.length >= 2;
  if (!plain) throw new AddressError('is not a single plain email address (name@example.org)');
  return address.toLowerCase();
}

/** Whether `address` is what normaliseAddress makes of it: a check before sending. */
export function isNormalisedAddress(address: string): boolean {
  try {
    return normaliseAddress(address) === address;
  } catch {
    return false;
  }
}
