import type { ValidationRule } from 'graphql';
import { countSelections, memoisedFragments } from './fragments';
import { tooComplex } from './reject';

/**
 * Alias limit: aliased fields per operation, a fragment's aliases counted each time it is spread.
 * Aliases are how one request asks for the same expensive field many times over.
 */
export function aliasLimitRule(maxAliases: number): ValidationRule {
  return (context) => {
    const aliasesOf = (selection: { kind: string; alias?: unknown }): number => (selection.kind === 'Field' && selection.alias ? 1 : 0);
    const ofFragment = memoisedFragments<number>(context, (fragment, ofFrag) => countSelections(fragment.selectionSet, ofFrag, aliasesOf), 0);
    return {
      OperationDefinition(operation) {
        const aliases = countSelections(operation.selectionSet, ofFragment, aliasesOf);
        if (aliases > maxAliases) {
          context.reportError(
            tooComplex('aliases', maxAliases, aliases, `Too many aliases: expected at most ${maxAliases} per operation, received ${aliases}.`, operation),
          );
        }
        return false;
      },
    };
  };
}
