// Packages that do I/O or belong to another layer; core must stay a pure domain (DESIGN.md §1).
const forbidden = [
  /^typeorm(\/|$)/,
  /^pg(-.*)?(\/|$)/,
  /^@aws-sdk\//,
  /^inversify(\/|$)/,
  /^@cohort\//,
  /^(node:)?(fs|net|child_process|http|https|dgram|tls|dns|cluster|worker_threads)(\/|$)/,
];

const specifiers = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** Every module specifier in `source` that core may not depend on. */
export function findForbiddenImports(source: string): string[] {
  return [...source.matchAll(specifiers)]
    .map((match) => match[1] ?? '')
    .filter((spec) => forbidden.some((pattern) => pattern.test(spec)));
}
