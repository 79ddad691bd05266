import { GraphQLError } from 'graphql';

export const BAD_USER_INPUT = 'BAD_USER_INPUT';

/** An error in what the client sent, naming the argument at fault. */
export function badInput(argument: string, problem: string): GraphQLError {
  return new GraphQLError(`Argument "${argument}" ${problem}`, { extensions: { code: BAD_USER_INPUT, argument } });
}
