// The request id: the client's X-Request-Id when it is well-formed (so that a
// proxy's id follows the request through), otherwise a new random one.
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

const WELL_FORMED = /^[A-Za-z0-9._-]{1,128}$/u;

export function requestIdOf(request: Request): string {
  return requestIdFrom(request.headers.get(REQUEST_ID_HEADER));
}

/** The same from the header's value as node:http gives it. */
export function requestIdFrom(given: string | string[] | null | undefined): string {
  return typeof given === 'string' && WELL_FORMED.test(given) ? given : randomUUID();
}
