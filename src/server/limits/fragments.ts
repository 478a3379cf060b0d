import type { FragmentDefinitionNode, SelectionSetNode, ValidationContext } from 'graphql';

/**
 * Measures of selection sets with fragment spreads expanded.
 *
 * Each fragment is measured once per document (memoised): a chain of fragments that each spread the next one
 * twice would otherwise cost 2^n work, which is itself a denial of service. A spread of a fragment that is still
 * being measured (a cycle) counts as `cycleValue`; graphql-js's NoFragmentCyclesRule reports the cycle itself.
 */
export function memoisedFragments<T>(
  context: ValidationContext,
  measure: (fragment: FragmentDefinitionNode, ofFragment: (name: string) => T) => T,
  cycleValue: T,
): (name: string) => T {
  const done = new Map<string, T>();
  const inProgress = new Set<string>();
  const ofFragment = (name: string): T => {
    const known = done.get(name);
    if (known !== undefined) return known;
    const fragment = context.getFragment(name);
    if (!fragment || inProgress.has(name)) return cycleValue;
    inProgress.add(name);
    const value = measure(fragment, ofFragment);
    inProgress.delete(name);
    done.set(name, value);
    return value;
  };
  return ofFragment;
}

/** Sum of `count` over a selection set, fragments expanded (each spread adds its fragment's total again). */
export function countSelections(
  set: SelectionSetNode,
  ofFragment: (name: string) => number,
  count: (selection: SelectionSetNode['selections'][number]) => number,
): number {
  let total = 0;
  for (const selection of set.selections) {
    total += count(selection);
    if (selection.kind === 'FragmentSpread') total += ofFragment(selection.name.value);
    else if (selection.selectionSet) total += countSelections(selection.selectionSet, ofFragment, count);
  }
  return total;
}
