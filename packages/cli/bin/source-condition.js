// A module resolve hook for running the CLI from the repository's sources (bin/cohort.js registers it there): every
// import also matches the workspace's `@cohort/source` export condition, so @cohort packages resolve to src/*.ts.
export function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, '@cohort/source'] });
}
