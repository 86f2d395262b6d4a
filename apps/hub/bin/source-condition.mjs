// A module resolve hook that adds the `source` export condition, so workspace packages resolve to
// their TypeScript (what `node --conditions=source` does) when the CLI runs from its sources.
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'source'] });
}
