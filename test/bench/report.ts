// What the benchmark prints: the machine, and the results as a Markdown
// table that can be pasted into the README as it is.
import os from 'node:os';

export function machineLine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  const memory = (os.totalmem() / 2 ** 30).toFixed(1);
  return `Machine: ${model}, ${cpus.length} cores, ${memory} GiB RAM, Node ${process.version}, ${os.platform()} ${os.arch()}`;
}

/** Other work on the machine skews the figures; the 1-minute load average says how much there was. */
export function loadLine(when: 'start' | 'end' = 'start'): string {
  const [one, five] = os.loadavg();
  return `Load average at ${when}: ${one!.toFixed(2)} (1 min), ${five!.toFixed(2)} (5 min), on ${os.cpus().length} cores`;
}

/** One server's figures for one scenario, over all its rounds. */
export interface Measured {
  requestsPerSecond: number;
  /** Responses counted; the latencies mean nothing without any. */
  responses: number;
  /** The mean of the rounds' medians, in ms. */
  p50: number;
  /** The worst of the rounds' 99th percentiles, in ms. */
  p99: number;
  /** Milliseconds of one request without a queue, in process. */
  alone: number;
  statements: number;
  /** Non-2xx responses, connection errors, timeouts and responses whose body differed from the checked one. */
  errors: number;
}

export interface Row {
  scenario: string;
  graphql: Measured;
  raw: Measured;
  /** GraphQL with the response cache on: the same request repeated (only its rate and latencies are measured). */
  cached: Measured;
  /** The number of requests each run was made of, when it was not a fixed time (marked with *). */
  counted: boolean;
  /** Papers a search found (its totalCount); null for the other scenarios. */
  matches: number | null;
}

const HEADER = [
  'Scenario',
  'GraphQL req/s',
  'Raw req/s',
  'GraphQL / raw',
  'GraphQL p50 / p99 ms',
  'Raw p50 / p99 ms',
  'Alone ms GraphQL / raw',
  'Cached req/s',
  'Cached / raw',
  'SQL/request GraphQL / raw',
  'Found',
  'Errors GraphQL / raw / cached',
];
const RIGHT_ALIGNED = [false, true, true, true, true, true, true, true, true, true, true, true];

const number = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const rate = (n: number) => number(n, n < 10 ? 1 : 0);
const ms = (n: number) => number(n, n < 10 ? 1 : 0);
// autocannon reports 0 ms when no response came back in time.
const latencies = (m: Measured) => (m.responses > 0 ? `${ms(m.p50)} / ${ms(m.p99)}` : '–');

export function table(rows: Row[]): string {
  const cells = rows.map((r) => [
    `\`${r.scenario}\``,
    `${rate(r.graphql.requestsPerSecond)}${r.counted ? '*' : ''}`,
    `${rate(r.raw.requestsPerSecond)}${r.counted ? '*' : ''}`,
    r.raw.requestsPerSecond > 0 ? `${number(r.graphql.requestsPerSecond / r.raw.requestsPerSecond, 2)}×` : '–',
    latencies(r.graphql),
    latencies(r.raw),
    `${ms(r.graphql.alone)} / ${ms(r.raw.alone)}`,
    rate(r.cached.requestsPerSecond),
    r.raw.requestsPerSecond > 0 ? `${number(r.cached.requestsPerSecond / r.raw.requestsPerSecond, 2)}×` : '–',
    `${r.graphql.statements} / ${r.raw.statements}`,
    r.matches === null ? '' : number(r.matches),
    `${r.graphql.errors} / ${r.raw.errors} / ${r.cached.errors}`,
  ]);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) =>
    `| ${values.map((v, i) => (RIGHT_ALIGNED[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (RIGHT_ALIGNED[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(HEADER), rule, ...cells.map(line)].join('\n');
}
