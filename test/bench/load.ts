// One autocannon run of one scenario against the server.
import autocannon from 'autocannon';
import { requestBody, requestHeaders, type Scenario } from './scenarios.ts';

export const CONNECTIONS = 10;
/** Seconds before a request counts as an error. */
const REQUEST_TIMEOUT = 10;

// autocannon decodes each network chunk of a body on its own, so a UTF-8
// character split between two chunks comes out as U+FFFD. Comparing bodies
// without their non-ASCII characters still checks every id, number and
// bracket, and any `errors`, without false mismatches.
const ascii = (text: string) => text.replace(/[^\x00-\x7f]/g, '');

/**
 * Sends the scenario's request over CONNECTIONS connections for `seconds`.
 * A response whose body is not `expectedBody` counts as a mismatch.
 */
export function load(url: string, scenario: Scenario, seconds: number, expectedBody: string): Promise<autocannon.Result> {
  const expected = ascii(expectedBody);
  return Promise.resolve(
    autocannon({
      url,
      title: scenario.name,
      method: 'POST',
      headers: requestHeaders(),
      body: requestBody(scenario),
      connections: CONNECTIONS,
      duration: seconds,
      timeout: REQUEST_TIMEOUT,
      verifyBody: (body) => ascii(body) === expected,
    }),
  );
}
