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
  /** Each run was a number of requests, not a fixed time (marked with *). */
  counted: boolean;
}

export interface Row {
  scenario: string;
  /** The GraphQL server on each engine, in the order of the table's engines. */
  engines: Measured[];
  raw: Measured;
  /** GraphQL on SQLite with the response cache on: the same request repeated (only its rate and latencies are measured). */
  cached: Measured;
  /** Papers a search found (its totalCount); null for the other scenarios. */
  matches: number | null;
}

const number = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const rate = (n: number) => number(n, n < 10 ? 1 : 0);
const ms = (n: number) => number(n, n < 10 ? 1 : 0);
// autocannon reports 0 ms when no response came back in time.
const latencies = (m: Measured) => (m.responses > 0 ? `${ms(m.p50)} / ${ms(m.p99)}` : '–');
const requests = (m: Measured) => `${rate(m.requestsPerSecond)}${m.counted ? '*' : ''}`;
const ratio = (m: Measured, raw: Measured) => (raw.requestsPerSecond > 0 ? `${number(m.requestsPerSecond / raw.requestsPerSecond, 2)}×` : '–');

/** A Markdown table of the rows, with a column or a figure for each of the GraphQL server's engines (`engines`: their names). */
export function table(rows: Row[], engines: string[]): string {
  const each = (heading: (engine: string) => string) => engines.map(heading);
  const all = engines.join(' / ');
  const header = [
    'Scenario',
    ...each((e) => `GraphQL ${e} req/s`),
    'Raw req/s',
    ...each((e) => `${e} / raw`),
    ...each((e) => `${e} p50 / p99 ms`),
    'Raw p50 / p99 ms',
    `Alone ms ${all} / raw`,
    'Cached req/s',
    'Cached / raw',
    `SQL/request ${all} / raw`,
    'Found',
    `Errors ${all} / raw / cached`,
  ];
  const cells = rows.map((r) => [
    `\`${r.scenario}\``,
    ...r.engines.map(requests),
    requests(r.raw),
    ...r.engines.map((m) => ratio(m, r.raw)),
    ...r.engines.map(latencies),
    latencies(r.raw),
    [...r.engines, r.raw].map((m) => ms(m.alone)).join(' / '),
    rate(r.cached.requestsPerSecond),
    ratio(r.cached, r.raw),
    [...r.engines, r.raw].map((m) => m.statements).join(' / '),
    r.matches === null ? '' : number(r.matches),
    [...r.engines, r.raw, r.cached].map((m) => m.errors).join(' / '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  // The scenario's name to the left, every figure to the right.
  const line = (values: string[]) => `| ${values.map((v, i) => (i > 0 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i > 0 ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(header), rule, ...cells.map(line)].join('\n');
}
