// The request id: the client's X-Request-Id when it is well-formed (so that a
// proxy's id follows the request through), otherwise a new random one.
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

const WELL_FORMED = /^[A-Za-z0-9._-]{1,128}$/u;

export function requestIdOf(request: Request): string {
  const given = request.headers.get(REQUEST_ID_HEADER);
  return given !== null && WELL_FORMED.test(given) ? given : randomUUID();
}
