// One autocannon run of one scenario against the server.
import autocannon from 'autocannon';
import { clientRequest, type ClientName, type Scenario } from './scenarios.ts';

export const CONNECTIONS = 20;
/**
 * Seconds before a request counts as an error. The server handles one query
 * at a time, so a request waits for the others in the queue: with 20
 * connections, a query of 0.5 s is answered after about 10 s, and some wait much longer.
 */
export const REQUEST_TIMEOUT = 60;

// autocannon decodes each network chunk of a body on its own, so a UTF-8
// character split between two chunks comes out as U+FFFD. Comparing bodies
// without their non-ASCII characters still checks every id, number and
// bracket, and any `errors`, without false mismatches.
const ascii = (text: string) => text.replace(/[^\x00-\x7f]/g, '');

/** How long a load run lasts: a time, or a number of requests counted to the last response. */
export type RunLength = { seconds: number } | { requests: number };

/**
 * Sends the scenario's request, as `client` sends it (Apollo Client 4's by
 * default), over CONNECTIONS connections, for a time or a number of requests.
 * A response whose body is not `expectedBody` counts as a mismatch.
 */
export function load(url: string, scenario: Scenario, length: RunLength, expectedBody: string, client?: ClientName): Promise<autocannon.Result> {
  const expected = ascii(expectedBody);
  const request = clientRequest(scenario, client);
  return Promise.resolve(
    autocannon({
      url: url + request.search,
      title: scenario.name,
      method: request.method,
      headers: request.headers,
      body: request.body,
      connections: CONNECTIONS,
      ...('seconds' in length ? { duration: length.seconds } : { amount: length.requests }),
      timeout: REQUEST_TIMEOUT,
      verifyBody: (body) => ascii(body) === expected,
    }),
  );
}
