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

export interface Row {
  scenario: string;
  requestsPerSecond: number;
  /** Responses counted; the latencies mean nothing without any. */
  responses: number;
  /** The number of requests the run was made of, when it was not a fixed time (marked with *). */
  counted: number | null;
  /** Milliseconds of one request without a queue. */
  alone: number;
  p50: number;
  p99: number;
  statements: number;
  /** Papers a search found (its totalCount); null for the other scenarios. */
  matches: number | null;
  non2xx: number;
  /** Connection errors and timeouts, and responses whose body differed from the checked one. */
  errors: number;
}

const HEADER = ['Scenario', 'Requests/s', 'p50 ms', 'p99 ms', 'Alone ms', 'SQL statements/request', 'Found', 'Non-2xx', 'Errors'];
const RIGHT_ALIGNED = [false, true, true, true, true, true, true, true, true];

const number = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function table(rows: Row[]): string {
  const cells = rows.map((r) => [
    `\`${r.scenario}\``,
    `${number(r.requestsPerSecond, r.requestsPerSecond < 10 ? 1 : 0)}${r.counted === null ? '' : '*'}`,
    // autocannon reports 0 ms when no response came back in time.
    r.responses > 0 ? number(r.p50) : '–',
    r.responses > 0 ? number(r.p99) : '–',
    number(r.alone, r.alone < 10 ? 1 : 0),
    String(r.statements),
    r.matches === null ? '' : number(r.matches),
    String(r.non2xx),
    String(r.errors),
  ]);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) =>
    `| ${values.map((v, i) => (RIGHT_ALIGNED[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (RIGHT_ALIGNED[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(HEADER), rule, ...cells.map(line)].join('\n');
}
