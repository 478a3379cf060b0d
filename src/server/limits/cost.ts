import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  valueFromASTUntyped,
  visit,
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { QueryLimits } from '../../graphql';
import { tooComplex } from './reject';

/**
 * Cost limit: an estimate of the objects one operation makes the server resolve.
 *
 * Model (documented in docs/security.md):
 * - a field of object type costs 1 per instance; leaves, introspection fields and objects of
 *   `limits.embeddedTypes` (stored inside an already loaded span: attributes, metrics, events, result) cost 0;
 * - a list field multiplies everything below it by its size: the `first` argument of the enclosing connection
 *   (literal, variable value, variable default, schema default, in that order; `limits.maxFirst` when a
 *   variable's value is unknown), else `limits.listSizes['Type.field']`, else `limits.defaultListSize`;
 * - `Span.children` directly inside `Trace.spans` or `Span.children` counts as size 1 per span: there the
 *   spans are distinct spans of one trace, each span has one parent, so their children together are at most
 *   that trace's spans (every level of a tree, or the children of all of `Trace.spans`, holds at most one
 *   trace's spans). `children { parent { children } }` gets no such allowance: `parent` repeats spans.
 *
 * `variables` are the request's variable values when known (HTTP plugin, WebSocket subscribe).
 */
export function costLimitRule(limits: QueryLimits, variables?: Readonly<Record<string, unknown>>): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const root = rootType(context, operation);
      if (!root) return false;
      const estimator = new CostEstimator(context, limits, operation, variables);
      const cost = estimator.ofSet(operation.selectionSet, root, NO_SCOPE);
      if (cost > limits.maxCost) {
        context.reportError(
          tooComplex(
            'cost',
            limits.maxCost,
            cost,
            `Query is too costly: expected an estimated cost of at most ${limits.maxCost}, received ${cost}. ` +
              'Ask for fewer items with `first`, or fewer nested lists.',
            operation,
          ),
        );
      }
      return false;
    },
  });
}

/**
 * The variables whose values the cost estimate of `document` reads: those given as a `first` argument anywhere in
 * it. The estimate depends on the document, whether variables were sent, and these values only, so a verdict can
 * be kept per document and these values.
 */
export function costVariables(document: DocumentNode): readonly string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node) {
      if (node.name.value === 'first' && node.value.kind === 'Variable') names.add(node.value.name.value);
    },
  });
  return [...names].sort();
}

// Private: where a selection set sits — on a set of distinct spans of one trace (below `Trace.spans` or
// `Span.children`), and/or inside a connection with a known `first`.
interface Scope {
  readonly distinctSpans: boolean;
  readonly connectionFirst: number | undefined;
}

const NO_SCOPE: Scope = { distinctSpans: false, connectionFirst: undefined };
const CHILDREN = 'Span.children';
const DISTINCT_SPAN_LISTS: ReadonlySet<string> = new Set(['Trace.spans', CHILDREN]);

// Private: one operation's estimate; fragments memoised per (fragment, type, scope) so repeated spreads are linear.
class CostEstimator {
  private readonly memo = new Map<string, number>();
  private readonly inProgress = new Set<string>();
  private readonly variableDefaults = new Map<string, unknown>();

  constructor(
    private readonly context: ValidationContext,
    private readonly limits: QueryLimits,
    operation: OperationDefinitionNode,
    private readonly variables: Readonly<Record<string, unknown>> | undefined,
  ) {
    for (const definition of operation.variableDefinitions ?? []) {
      if (definition.defaultValue) this.variableDefaults.set(definition.variable.name.value, valueFromASTUntyped(definition.defaultValue));
    }
  }

  ofSet(set: SelectionSetNode, parent: GraphQLCompositeType, scope: Scope): number {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === 'Field') total += this.ofField(selection, parent, scope);
      else if (selection.kind === 'InlineFragment') {
        total += this.ofSet(selection.selectionSet, this.typeNamed(selection.typeCondition?.name.value) ?? parent, scope);
      } else total += this.ofFragment(selection.name.value, scope);
    }
    return total;
  }

  private ofField(node: FieldNode, parent: GraphQLCompositeType, scope: Scope): number {
    if (node.name.value.startsWith('__')) return 0;
    if (!isObjectType(parent) && !isInterfaceType(parent)) return 0;
    const field = parent.getFields()[node.name.value];
    if (!field) return 0;
    const type = getNamedType(field.type);
    if (!isCompositeType(type) || this.limits.embeddedTypes.includes(type.name)) return 0;
    const key = `${parent.name}.${field.name}`;
    const first = this.firstOf(node, field);
    const count = isListType(getNullableType(field.type)) ? (first ?? this.listSize(key, scope)) : 1;
    const below = node.selectionSet ? this.ofSet(node.selectionSet, type, { distinctSpans: DISTINCT_SPAN_LISTS.has(key), connectionFirst: first }) : 0;
    return count * (1 + below);
  }

  private ofFragment(name: string, scope: Scope): number {
    const fragment = this.context.getFragment(name);
    const type = this.typeNamed(fragment?.typeCondition.name.value);
    if (!fragment || !type) return 0;
    const key = `${name}|${scope.distinctSpans}|${scope.connectionFirst}`;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    if (this.inProgress.has(key)) return 0; // a cycle: NoFragmentCyclesRule reports it
    this.inProgress.add(key);
    const cost = this.ofSet(fragment.selectionSet, type, scope);
    this.inProgress.delete(key);
    this.memo.set(key, cost);
    return cost;
  }

  private listSize(key: string, scope: Scope): number {
    if (scope.connectionFirst !== undefined) return scope.connectionFirst;
    if (key === CHILDREN && scope.distinctSpans) return 1;
    return this.limits.listSizes[key] ?? this.limits.defaultListSize;
  }

  // Private: the `first` this field will run with, or undefined when the field takes no `first`.
  private firstOf(node: FieldNode, field: GraphQLField<unknown, unknown>): number | undefined {
    const definition = field.args.find((arg) => arg.name === 'first');
    if (!definition) return undefined;
    const schemaDefault = typeof definition.defaultValue === 'number' ? definition.defaultValue : this.limits.defaultListSize;
    const argument = node.arguments?.find((arg) => arg.name.value === 'first');
    if (!argument) return schemaDefault;
    if (argument.value.kind === 'IntValue') return Math.max(0, Number(argument.value.value));
    if (argument.value.kind === 'Variable') {
      const name = argument.value.name.value;
      if (this.variables && name in this.variables) {
        const value = this.variables[name];
        if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, value);
        if (value === null || value === undefined) return schemaDefault;
        return this.limits.maxFirst; // not a number: coercion rejects it later; assume the worst meanwhile
      }
      const fallback = this.variableDefaults.get(name);
      if (typeof fallback === 'number') return Math.max(0, fallback);
      return this.variables ? schemaDefault : this.limits.maxFirst;
    }
    return schemaDefault; // `null` literal: the schema default applies
  }

  private typeNamed(name: string | undefined): GraphQLCompositeType | undefined {
    if (!name) return undefined;
    const type = this.context.getSchema().getType(name);
    return type && isCompositeType(type) ? type : undefined;
  }
}

// Private: the operation's root type (Query / Mutation / Subscription).
function rootType(context: ValidationContext, operation: OperationDefinitionNode): GraphQLCompositeType | undefined {
  const schema = context.getSchema();
  const root = schema.getRootType(operation.operation);
  return root ?? undefined;
}
