// Arbitrary GraphQL operations generated from the schema (and some mangled):
// what test/fuzz.test.ts sends, and test/postgres-api.test.ts to both engines.
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
} from 'graphql';
import { schema } from '../src/graphql/schema.ts';

/** A small deterministic generator (mulberry32), so that each case is one seed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof random>;

const SAMPLES: Record<string, unknown[]> = {
  Int: [0, 1, 5, 20, 100, 101, -1, 2 ** 31 - 1, null],
  Float: [0, 1.5, -3, null],
  String: ['2310.05869', 'nvidia', 'diffusion', '"world model" -video', '', ' ', '🙂', "'; DROP TABLE papers; --", 'x'.repeat(600), 'WyJQVUJMSVNIRURfQVQiLCIyMDI2LTA2LTMwIiwiMjYwNi4wMDAwMSJd', null],
  Boolean: [true, false, null],
  ID: ['UGFwZXI6MjMxMC4wNTg2OQ==', 'T3JnYW5pemF0aW9uOm52aWRpYQ==', 'QXV0aG9yOjE=', 'bm9wZQ==', '', null],
  Date: ['2026-03-18', '2023-10-01', '2026-02-30', 'yesterday', '', null],
  DateTime: ['2026-06-30T18:00:00Z', '2026-03-18T12:00:00+02:00', '2026-06-30', 'now', null],
};

function inputValue(type: GraphQLInputType, rng: Rng, depth: number): unknown {
  if (isNonNullType(type)) return inputValue(type.ofType, rng, depth);
  if (rng.chance(0.05)) return rng.pick([null, 'wrong', 42, [], {}]);
  if (isListType(type)) return Array.from({ length: rng.int(3) }, () => inputValue(type.ofType, rng, depth + 1));
  if (isEnumType(type)) return rng.chance(0.9) ? rng.pick(type.getValues()).name : 'NOT_A_VALUE';
  if (isInputObjectType(type)) {
    if (depth > 3) return null;
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) || rng.chance(0.5));
    return Object.fromEntries(fields.map((f) => [f.name, inputValue(f.type, rng, depth + 1)]));
  }
  return rng.pick(SAMPLES[(type as GraphQLNamedType).name] ?? [null]);
}

/** A value as a GraphQL literal (enums bare when they look like names). */
function literal(value: unknown, type: GraphQLInputType): string {
  const named = getNamedType(type);
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) {
    const nullable = isNonNullType(type) ? type.ofType : type;
    const item = isListType(nullable) ? (nullable.ofType as GraphQLInputType) : type;
    return `[${value.map((v) => literal(v, item)).join(', ')}]`;
  }
  if (typeof value === 'object') {
    const fields = isInputObjectType(named) ? named.getFields() : {};
    return `{${Object.entries(value).map(([k, v]) => `${k}: ${literal(v, fields[k]?.type ?? type)}`).join(', ')}}`;
  }
  if (isEnumType(named) && typeof value === 'string' && /^[A-Z_]+$/u.test(value)) return value;
  return JSON.stringify(value);
}

function selection(type: GraphQLNamedType, rng: Rng, depth: number, variables: Record<string, unknown>, definitions: string[]): string {
  if (!(isObjectType(type) || isInterfaceType(type))) return '';
  const fields = Object.values(type.getFields()) as GraphQLField<unknown, unknown>[];
  const chosen = Array.from({ length: 1 + rng.int(3) }, () => rng.pick(fields));
  const parts = chosen.map((field) => {
    const args = field.args
      .filter((a) => isNonNullType(a.type) || rng.chance(0.4))
      .map((a) => {
        const value = inputValue(a.type, rng, 0);
        if (rng.chance(0.3)) {
          const name = `v${Object.keys(variables).length}`;
          variables[name] = value;
          definitions.push(`$${name}: ${a.type.toString()}`);
          return `${a.name}: $${name}`;
        }
        return `${a.name}: ${literal(value, a.type)}`;
      });
    const named = getNamedType(field.type);
    const alias = rng.chance(0.1) ? `a${rng.int(1000)}: ` : '';
    const inner = isScalarType(named) || isEnumType(named) ? '' : depth > 4 ? ' { __typename }' : ` { ${selection(named, rng, depth + 1, variables, definitions) || '__typename'} }`;
    return `${alias}${field.name}${args.length ? `(${args.join(', ')})` : ''}${inner}`;
  });
  if (isInterfaceType(type)) parts.push(`... on Paper { arxivId }`);
  return parts.join(' ');
}

/** The operation of one seed: a query (sometimes a mutation), its variables, now and then mangled. */
export function operation(seed: number): { query: string; variables: Record<string, unknown> } {
  const rng = random(seed);
  const variables: Record<string, unknown> = {};
  const definitions: string[] = [];
  const mutation = rng.chance(0.15);
  const root = (mutation ? schema.getMutationType() : schema.getQueryType())!;
  const body = selection(root, rng, 0, variables, definitions);
  let query = `${mutation ? 'mutation' : 'query'}${definitions.length ? `(${definitions.join(', ')})` : ''} { ${body} }`;
  // Now and then, a mangled document: a character dropped, doubled or replaced.
  if (rng.chance(0.15)) {
    const at = rng.int(query.length);
    query = query.slice(0, at) + rng.pick(['', '{', '}', '"', '$', '(', query[at]!.repeat(2)]) + query.slice(at + 1);
  }
  return { query, variables };
}
