// What a request to /graphql must look like before anything reads it.
//
// Only JSON bodies run operations over POST. Form-encoded, multipart and
// text/plain bodies are what a page on any other site can make a browser
// send without a CORS preflight, so accepting them would let any web page
// have its visitors send mutations here; they get 415.
//
// Bad input is a 400 with a code, never a 500, and never quotes what was sent:
// a body that is not JSON, GET parameters that are not JSON, variables,
// extensions or value literals nested deeper than MAX_INPUT_DEPTH, a document
// nested so deep that the parser runs out of stack.
import { BREAK, GraphQLError, visit, type DocumentNode } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';

/**
 * How deep `variables`, `extensions` and each argument's literal may nest
 * objects and lists, the outermost being level 1 (the inputs of this schema need 3 at most).
 */
export const MAX_INPUT_DEPTH = 32;

/** The request body types that run operations (media types, without parameters). */
const JSON_TYPES = new Set(['application/json', 'application/graphql+json']);

const badRequest = (message: string, code: string) => new GraphQLError(message, { extensions: { code, http: { status: 400 } } });

/**
 * Documents refused for their nesting. Yoga marks every parse error as one the
 * GraphQL-over-HTTP spec answers with 200 to clients that accept
 * application/json; these are refused input like the others, so their result
 * says 400 itself.
 */
const TOO_DEEP_TO_PARSE = badRequest('The document nests lists, objects or selections too deep to be read.', 'INPUT_TOO_DEEP');
const LITERAL_TOO_DEEP = badRequest(`The document nests list or input object values more than ${MAX_INPUT_DEPTH} levels deep; at most ${MAX_INPUT_DEPTH} are allowed.`, 'INPUT_TOO_DEEP');

/** True when a value literal of the document nests lists or input objects more than MAX_INPUT_DEPTH deep. */
function literalTooDeep(document: DocumentNode): boolean {
  let depth = 0;
  let tooDeep = false;
  const nest = {
    enter() {
      if (++depth <= MAX_INPUT_DEPTH) return undefined;
      tooDeep = true;
      return BREAK;
    },
    leave() {
      depth--;
    },
  };
  visit(document, { ListValue: nest, ObjectValue: nest });
  return tooDeep;
}

function unsupportedMediaType(contentType: string | null): Response {
  const sent = contentType === null ? 'none' : JSON.stringify(contentType.slice(0, 100));
  const message = `POST /graphql takes a JSON body in UTF-8: send Content-Type: application/json (this request's Content-Type: ${sent}). Form-encoded, multipart and text/plain bodies are refused, so that no other web site can make a browser run operations here.`;
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } }] }), {
    status: 415,
    headers: { 'content-type': 'application/json; charset=utf-8', 'accept-post': 'application/json' },
  });
}

/** Whether a Content-Type names JSON in UTF-8 (the charset may be left out: JSON is UTF-8). */
function isJson(contentType: string | null): boolean {
  if (!contentType) return false;
  const [type, ...parameters] = contentType.toLowerCase().split(';');
  if (!JSON_TYPES.has(type!.trim())) return false;
  return parameters.every((parameter) => {
    const [name, value] = parameter.split('=').map((s) => s.trim());
    return name !== 'charset' || value?.replace(/^"|"$/gu, '') === 'utf-8';
  });
}

/** True when `value` nests objects or lists more than `levels` deep (it counts as one level itself). */
function deeperThan(value: unknown, levels: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (levels === 0) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (deeperThan(child, levels - 1)) return true;
  }
  return false;
}

const PARAMETERS = new Set(['query', 'operationName', 'variables', 'extensions']);

/**
 * Refuses an operation whose parameters nest too deep, before anything walks
 * them (the response cache's key, the coercion of variables, the logs).
 */
function checkDepth(params: unknown): void {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return; // wellFormedParams refuses it
  for (const [name, value] of Object.entries(params)) {
    if (deeperThan(value, MAX_INPUT_DEPTH)) {
      const what = PARAMETERS.has(name) ? `"${name}"` : 'A parameter of the request';
      throw badRequest(`${what} nests objects or lists more than ${MAX_INPUT_DEPTH} levels deep; at most ${MAX_INPUT_DEPTH} are allowed.`, 'INPUT_TOO_DEEP');
    }
  }
}

/** A POST body: JSON, one operation or a batch of them. */
async function parseJsonBody(request: Request): Promise<GraphQLParams | GraphQLParams[]> {
  const text = await request.text();
  if (text.trim() === '') throw badRequest('The request body is empty: send a JSON object with a "query".', 'INVALID_JSON');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // The parser's message quotes the body: say what is wrong, not where.
    throw badRequest('The request body is not valid JSON.', 'INVALID_JSON');
  }
  if (body === null || typeof body !== 'object') {
    throw badRequest('The request body must be a JSON object with a "query" (or, for a batch, an array of them).', 'BAD_REQUEST');
  }
  for (const params of Array.isArray(body) ? body : [body]) checkDepth(params);
  return body as GraphQLParams | GraphQLParams[];
}

function jsonParameter(search: URLSearchParams, name: 'variables' | 'extensions'): unknown {
  const text = search.get(name);
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest(`The "${name}" parameter is not valid JSON: send it as a JSON object, URL-encoded.`, 'INVALID_JSON');
  }
}

/** The parameters of a GET, from the query string. */
function parseQueryString(request: Request): GraphQLParams {
  const start = request.url.indexOf('?');
  const search = new URLSearchParams(start === -1 ? '' : request.url.slice(start + 1));
  const params: GraphQLParams = {
    operationName: search.get('operationName') || undefined,
    query: search.get('query') || undefined,
    variables: jsonParameter(search, 'variables') as GraphQLParams['variables'],
    extensions: jsonParameter(search, 'extensions') as GraphQLParams['extensions'],
  };
  checkDepth(params);
  return params;
}

/**
 * The request parsers of /graphql: JSON bodies over POST (anything else 415),
 * the query string over GET. Register it early: it refuses before a body is read.
 */
export function requestGuards(): Plugin {
  // Yoga's parse cache hands the same document to every request that sends the same text.
  const checked = new WeakSet<DocumentNode>();
  return {
    // After Yoga's own parsers have been picked, so that these replace them.
    onRequestParse({ request, setRequestParser, endResponse }) {
      if (request.method === 'GET') return setRequestParser(parseQueryString);
      if (request.method !== 'POST') return; // Yoga answers 405
      const contentType = request.headers.get('content-type');
      if (!isJson(contentType)) return endResponse(unsupportedMediaType(contentType));
      setRequestParser(parseJsonBody);
    },
    // graphql-js parses recursively: a list literal nested a few thousand deep overflows the stack.
    // A literal nested as deep as variables may not be is refused too: validation would quote it whole.
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof RangeError) return replaceParseResult(TOO_DEEP_TO_PARSE);
        if (result instanceof Error || result === null || checked.has(result)) return;
        if (literalTooDeep(result)) return replaceParseResult(LITERAL_TOO_DEEP);
        checked.add(result);
      };
    },
    onExecutionResult({ result, setResult }) {
      if (!result || Symbol.asyncIterator in result) return;
      if (result.errors?.some((e) => e === TOO_DEEP_TO_PARSE || e === LITERAL_TOO_DEEP)) setResult({ ...result, extensions: { ...result.extensions, http: { status: 400 } } });
    },
  };
}
