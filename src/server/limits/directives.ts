import type { ValidationRule } from 'graphql';
import { countSelections, memoisedFragments } from './fragments';
import { tooComplex } from './reject';

/**
 * Directive limit: directive uses per operation — on the operation, its variable definitions, fields, inline
 * fragments, spreads and the fragments they reach (counted each time spread). Repeated `@include`/`@skip`
 * are cheap one by one but cost the validator and executor per use.
 */
export function directiveLimitRule(maxDirectives: number): ValidationRule {
  return (context) => {
    const directivesOf = (selection: { directives?: readonly unknown[] }): number => selection.directives?.length ?? 0;
    const ofFragment = memoisedFragments<number>(
      context,
      (fragment, ofFrag) => directivesOf(fragment) + countSelections(fragment.selectionSet, ofFrag, directivesOf),
      0,
    );
    return {
      OperationDefinition(operation) {
        let count = directivesOf(operation) + countSelections(operation.selectionSet, ofFragment, directivesOf);
        for (const variable of operation.variableDefinitions ?? []) count += directivesOf(variable);
        if (count > maxDirectives) {
          context.reportError(
            tooComplex('directives', maxDirectives, count, `Too many directives: expected at most ${maxDirectives} per operation, received ${count}.`, operation),
          );
        }
        return false;
      },
    };
  };
}
