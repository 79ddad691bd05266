// graphql-js reports a literal of the wrong type ("YEAR" for a DigestPeriod,
// "2025-13-45" for a Date) without saying which argument held it and without
// a code. This replaces its ValuesOfCorrectTypeRule with the same rule whose
// errors name the argument (with the path inside an input object) and carry
// extensions.code = "BAD_USER_INPUT".
import { GraphQLError, ValuesOfCorrectTypeRule, visitInParallel, type ASTNode, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql';
import { BAD_USER_INPUT } from './errors.ts';

export const NamedArgumentValuesRule: ValidationRule = (context: ValidationContext): ASTVisitor => {
  const path: string[] = [];
  const nodes: ASTNode[] = [];
  const named = Object.create(context, {
    reportError: {
      value: (error: GraphQLError) => {
        const where = path.length > 0 ? `Argument "${path.join('.')}": ` : '';
        context.reportError(
          new GraphQLError(`${where}${error.message}`, {
            nodes: error.nodes ?? nodes.at(-1),
            originalError: error.originalError,
            extensions: { ...error.extensions, code: BAD_USER_INPUT, ...(path[0] ? { argument: path[0] } : {}) },
          }),
        );
      },
    },
  }) as ValidationContext;
  const enter = (name: string, node: ASTNode): void => {
    path.push(name);
    nodes.push(node);
  };
  const leave = (): void => {
    path.pop();
    nodes.pop();
  };
  const track: ASTVisitor = {
    Argument: { enter: (node) => enter(node.name.value, node), leave },
    ObjectField: { enter: (node) => enter(node.name.value, node), leave },
  };
  return visitInParallel([track, ValuesOfCorrectTypeRule(named)]);
};

/** The specified rules with ValuesOfCorrectTypeRule swapped for the naming one. */
export function withNamedArgumentValues(rules: readonly ValidationRule[]): ValidationRule[] {
  return rules.map((rule) => (rule === ValuesOfCorrectTypeRule ? NamedArgumentValuesRule : rule));
}
