// Workspace packages export their TypeScript sources under the `@cohort/source` condition, so tests run
// against src/ without a build step; published consumers get dist/ through the `default` condition.
const conditions = ['@cohort/source', 'module', 'node', 'development|production'];

export const cohortResolve = {
  resolve: { conditions },
  ssr: { resolve: { conditions } },
};
