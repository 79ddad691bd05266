// Prometheus metrics of one app: a registry of its own (not prom-client's
// global one), so that tests and benchmarks can run several apps in a process.
// Label values that clients choose (operation names, paths, operation types)
// are bounded, so a client cannot grow the registry without bound.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MaybePromise } from '../catalogue/maybe.ts';
import type { SyncStatus } from '../catalogue/sync-ledger.ts';

const GRAPHQL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/u;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const TYPES: readonly string[] = ['query', 'mutation', 'subscription', 'unknown'];

/** The first `max` distinct values keep their name; later ones, and malformed ones, are "other". */
export class LabelCap {
  private readonly known = new Set<string>();
  constructor(
    private readonly max: number,
    private readonly wellFormed: (value: string) => boolean,
  ) {}

  label(value: string): string {
    if (this.known.has(value)) return value;
    if (!this.wellFormed(value) || this.known.size >= this.max) return 'other';
    this.known.add(value);
    return value;
  }
}

/**
 * Operation names as labels. Known names (those of the persisted-operation
 * allow-list) always have their own. Up to `max` others have one too: while
 * there is room, a name gets a label when first seen; once the labels are all
 * taken, a name gets one only by being used more than twice as often as the
 * least used labelled name, which it then displaces (its series are removed).
 * Every operation of a name counts. So junk names sent once each can fill free
 * labels but never displace a name used more than once, and a real name that
 * comes after junk takes a junk name's label within a few requests; the
 * doubling keeps two names of the same frequency from swapping labels back and
 * forth. Names not yet labelled are counted in a bounded table, and only from
 * their second sighting (a set of names seen once, emptied when full), so a
 * flood of single-shot names never pushes a real candidate out of it.
 */
export class OperationNames {
  private readonly labelled = new Map<string, number>();
  private readonly candidates = new Map<string, number>();
  private readonly seenOnce = new Set<string>();
  /** A lower bound of the labelled counts: they only grow, and a newcomer comes in above the one it displaces. */
  private lowest = 1;

  constructor(
    private readonly known: ReadonlySet<string>,
    private readonly max: number,
    private readonly displaced: (name: string) => void,
    private readonly maxCandidates = 1_000,
  ) {}

  label(name: string): string {
    if (this.known.has(name)) return name;
    const count = this.labelled.get(name);
    if (count !== undefined) {
      this.labelled.set(name, count + 1);
      return name;
    }
    if (!GRAPHQL_NAME.test(name)) return 'other';
    if (this.labelled.size < this.max) {
      this.labelled.set(name, (this.candidates.get(name) ?? 0) + 1);
      this.candidates.delete(name);
      return name;
    }
    const seen = this.sighting(name);
    if (seen <= 2 * this.lowest) return 'other';
    let least: string | undefined;
    let leastCount = Infinity;
    for (const [labelledName, labelledCount] of this.labelled) {
      if (labelledCount < leastCount) [least, leastCount] = [labelledName, labelledCount];
    }
    this.lowest = leastCount;
    if (seen <= 2 * leastCount) return 'other';
    this.labelled.delete(least!);
    this.displaced(least!);
    this.candidates.delete(name);
    this.labelled.set(name, seen);
    return name;
  }

  /** How often a name without a label has been seen, lately: 1 on its first sighting. */
  private sighting(name: string): number {
    const count = this.candidates.get(name);
    if (count === undefined) {
      if (!this.seenOnce.has(name)) {
        if (this.seenOnce.size >= this.maxCandidates) this.seenOnce.clear();
        this.seenOnce.add(name);
        return 1;
      }
      this.seenOnce.delete(name);
    }
    // Re-inserted, so that the first in the map is the one seen least recently, dropped when the table is full.
    this.candidates.delete(name);
    this.candidates.set(name, (count ?? 1) + 1);
    if (this.candidates.size > this.maxCandidates) this.candidates.delete(this.candidates.keys().next().value!);
    return (count ?? 1) + 1;
  }
}

export type Metrics = ReturnType<typeof createMetrics>;

export interface MetricsOptions {
  registry?: Registry;
  /** Operation names that always have their own label (the allow-list's), on top of the 200 others. */
  knownOperations?: Iterable<string>;
  /** The state of the sync, read from the database at each scrape (the same for every worker). */
  sync?: () => MaybePromise<SyncStatus>;
}

export function createMetrics({ registry = new Registry(), knownOperations = [], sync }: MetricsOptions = {}) {
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  if (sync) syncMetrics(registers, sync);
  const routes = new LabelCap(50, (path) => path.length <= 100);
  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route (the path; "unmatched" for a 404) and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const operations = new Counter({
    name: 'graphql_operations_total',
    help: 'GraphQL operations handled, by operation name and type (query, mutation, subscription; unknown when the document does not parse).',
    labelNames: ['operation_name', 'operation_type'] as const,
    registers,
  });
  const errors = new Counter({
    name: 'graphql_errors_total',
    help: 'Errors in GraphQL results (bad input and syntax included), by operation name and type.',
    labelNames: ['operation_name', 'operation_type'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'Time to handle a GraphQL operation (parse, validate, execute), by operation name.',
    labelNames: ['operation_name'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const operationNames = new OperationNames(new Set(knownOperations), 200, (operation_name) => {
    for (const operation_type of TYPES) {
      operations.remove({ operation_name, operation_type });
      errors.remove({ operation_name, operation_type });
    }
    duration.remove({ operation_name });
  });
  return {
    registry,
    request(method: string, path: string, status: number): void {
      httpRequests.inc({
        method: METHODS.has(method) ? method : 'other',
        route: status === 404 ? 'unmatched' : routes.label(path),
        status: String(status),
      });
    },
    operation(name: string | null, type: string, seconds: number, errorCount: number): void {
      const operation_name = name === null ? 'anonymous' : operationNames.label(name);
      const operation_type = TYPES.includes(type) ? type : 'unknown';
      operations.inc({ operation_name, operation_type });
      if (errorCount > 0) errors.inc({ operation_name, operation_type }, errorCount);
      duration.observe({ operation_name }, seconds);
    },
  };
}

/** The last successful sync, its age and what it added; runs that failed (an upstream that could not be reached, a day that failed). */
function syncMetrics(registers: Registry[], status: () => MaybePromise<SyncStatus>): void {
  let read: { at: number; status: Promise<SyncStatus | null> } | null = null;
  // One read of the database per scrape, shared by the gauges; none when it cannot be read (the scrape goes on).
  const current = (): Promise<SyncStatus | null> => {
    if (!read || read.at !== Date.now()) {
      let value: Promise<SyncStatus | null>;
      try {
        value = Promise.resolve(status()).catch(() => null);
      } catch {
        value = Promise.resolve(null);
      }
      read = { at: Date.now(), status: value };
    }
    return read.status;
  };
  const gauge = (name: string, help: string, value: (s: SyncStatus) => number | null) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const s = await current();
        const v = s === null ? null : value(s);
        if (v === null) this.reset();
        else this.set(v);
      },
    });
  // Before the first success: 0, so that the age (since 1970) says stale to any alert.
  gauge('catalogue_sync_last_success_timestamp_seconds', 'When the last successful sync from the daily-papers API finished (Unix time); 0 before the first.', (s) =>
    (s.lastSuccessMs ?? 0) / 1000,
  );
  gauge('catalogue_sync_last_success_age_seconds', 'Seconds since the last successful sync finished (since 1970 before the first).', (s) =>
    Math.max(0, (Date.now() - (s.lastSuccessMs ?? 0)) / 1000),
  );
  gauge('catalogue_sync_last_papers_added', 'Papers the last successful sync added to the catalogue.', (s) => s.lastPapersAdded);
  gauge('catalogue_sync_papers_added', 'Papers added by all syncs so far.', (s) => s.papersAdded);
  gauge('catalogue_sync_failed_runs', 'Sync runs that failed so far: the upstream could not be reached, or a day could not be imported.', (s) => s.failedRuns);
}
