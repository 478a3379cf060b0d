import type { SelectionSetNode, ValidationRule } from 'graphql';
import { memoisedFragments } from './fragments';
import { tooComplex } from './reject';

/**
 * Depth limit: the deepest field of an operation, where fragment spreads and inline fragments add no level
 * of their own (they stand for their fields). A top-level field has depth 1.
 */
export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context) => {
    const ofFragment = memoisedFragments<number>(context, (fragment, ofFrag) => depthOf(fragment.selectionSet, ofFrag), 0);
    return {
      OperationDefinition(operation) {
        const depth = depthOf(operation.selectionSet, ofFragment);
        if (depth > maxDepth) {
          context.reportError(
            tooComplex(
              'depth',
              maxDepth,
              depth,
              `Query is too deep: expected at most ${maxDepth} levels of nested fields, received ${depth}. ` +
                'Read deep trace trees flat through Trace.spans and parentSpanId.',
              operation,
            ),
          );
        }
        return false;
      },
    };
  };
}

// Private: deepest field below `set`; fragments contribute their own depth without adding a level.
function depthOf(set: SelectionSetNode, ofFragment: (name: string) => number): number {
  let deepest = 0;
  for (const selection of set.selections) {
    let depth: number;
    if (selection.kind === 'Field') depth = 1 + (selection.selectionSet ? depthOf(selection.selectionSet, ofFragment) : 0);
    else if (selection.kind === 'InlineFragment') depth = depthOf(selection.selectionSet, ofFragment);
    else depth = ofFragment(selection.name.value);
    if (depth > deepest) deepest = depth;
  }
  return deepest;
}
