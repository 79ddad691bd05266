// Prometheus metrics of one app: a registry of its own (not prom-client's
// global one), so that tests and benchmarks can run several apps in a process.
// Label values that clients choose (operation names, paths) are capped, so a
// client cannot grow the registry without bound.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const GRAPHQL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/u;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

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

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(registry: Registry = new Registry()) {
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const operationNames = new LabelCap(200, (name) => GRAPHQL_NAME.test(name));
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
      operations.inc({ operation_name, operation_type: type });
      if (errorCount > 0) errors.inc({ operation_name, operation_type: type }, errorCount);
      duration.observe({ operation_name }, seconds);
    },
  };
}
