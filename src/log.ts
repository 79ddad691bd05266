// One line of JSON per event on standard error (pino), so that logs can be
// searched. Lines about a request carry its request id (src/http/observability.ts
// passes it): no async context tracking, which would slow every promise.
import pino, { type DestinationStream, type Logger } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
type Fields = Record<string, unknown>;

/** Through process.stderr.write, so that a line is written before process.exit and tests can spy on it. */
const stderr: DestinationStream = { write: (line) => void process.stderr.write(line) };

let logger = create('info', stderr);

function create(level: LogLevel, destination: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => serializeErrors(fields) as Fields,
      },
      // Our own error serializer (formatters.log) replaces pino's, which folds causes into the message.
      serializers: { err: (value: unknown) => value },
    },
    destination,
  );
}

/** Sets the level (and, for tests, where lines go: standard error by default). */
export function configureLogging(level: LogLevel, destination: DestinationStream = stderr): void {
  logger = create(level, destination);
}

/** Whether lines at `at` pass the configured level (and `level`, when given, e.g. an app's own setting). */
export function logs(at: Exclude<LogLevel, 'silent'>, level?: LogLevel): boolean {
  if (level !== undefined && (level === 'silent' || pino.levels.values[at]! < pino.levels.values[level]!)) return false;
  return logger.isLevelEnabled(at);
}

const MAX_DEPTH = 5;

/** Errors anywhere in the fields become { type, message, stack, cause, … }; JSON.stringify would give {}. */
function serializeErrors(value: unknown, depth = 0, seen = new Set<unknown>()): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH || seen.has(value)) return value;
  if (value instanceof Error) {
    seen.add(value);
    // The cause is serialized below, once: an error that sets it as a field of its own (drizzle's query errors
    // do) would otherwise have it marked seen here and logged as the bare error, which JSON gives as {}.
    const own = Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (k === 'cause' ? [] : [[k, serializeErrors(v, depth + 1, seen)]])));
    return {
      ...own,
      type: value.name,
      message: value.message,
      stack: value.stack,
      ...(value.cause !== undefined && { cause: serializeErrors(value.cause, depth + 1, seen) }),
      ...(value instanceof AggregateError && { errors: value.errors.map((e: unknown) => serializeErrors(e, depth + 1, seen)) }),
    };
  }
  if (Array.isArray(value)) return value.some((v) => typeof v === 'object' && v !== null) ? value.map((v) => serializeErrors(v, depth + 1, seen)) : value;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let changed = false;
  const out: Fields = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = serializeErrors(v, depth + 1, seen);
    if (out[key] !== v) changed = true;
  }
  return changed ? out : value;
}

/** The message first (after the level, time and context), so that a line reads in order. */
const line = (message: string, fields: Fields = {}): Fields => ('message' in fields ? { ...fields, message } : { message, ...fields });

export const log = {
  debug: (message: string, fields?: Fields) => logger.debug(line(message, fields)),
  info: (message: string, fields?: Fields) => logger.info(line(message, fields)),
  warn: (message: string, fields?: Fields) => logger.warn(line(message, fields)),
  error: (message: string, fields?: Fields) => logger.error(line(message, fields)),
};
