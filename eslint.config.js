import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Package boundaries (DESIGN.md), checked on every import and re-export, static or dynamic. Each rule lists what a
// package's src/ may import; `npm run lint` fails on anything else.
const relative = String.raw`\.{1,2}/`;
/** Another package's files reached past its entry points: by name (`@cohort/x/src/…`) or by path (`../../x/src/…`). */
const intoSrc = [
  { regex: String.raw`^@cohort/[^/]+/src(/|$)`, message: "Import the package's entry point, not its src/ files." },
  {
    regex: String.raw`^(\.\./){2,}([^./][^/]*/)+src(/|$)`,
    message: "Import the package by name, not another package's src/ by path.",
  },
];
const boundaries = [
  {
    files: ['packages/core/src/**/*.ts'],
    allowed: [String.raw`zod$`, String.raw`node:async_hooks$`, relative],
    message: 'core is a pure domain: it imports zod and its own files only (no I/O, no other Cohort package).',
  },
  {
    files: ['packages/adapters-*/src/**/*.ts'],
    // wiring: each adapter's three-line inversify module binds its store to the port tokens wiring owns.
    allowed: [String.raw`@cohort/(core|core/adapter|wiring)$`, String.raw`(?!@cohort/)`],
    message:
      'An adapter imports @cohort/core and its adapter kit (and @cohort/wiring for its module) and its drivers, never another adapter.',
  },
  {
    files: ['packages/migrate/src/**/*.ts'],
    allowed: [String.raw`@cohort/core(/adapter)?$`, 'node:', relative],
    message: '@cohort/migrate works through ports: it imports @cohort/core and Node built-ins only.',
  },
  {
    files: ['packages/wiring/src/**/*.ts', 'packages/testkit/src/**/*.ts'],
    allowed: [String.raw`@cohort/core(/adapter)?$`, String.raw`(?!@cohort/)`],
    message: 'Of the Cohort packages, this one imports @cohort/core only.',
  },
];
const boundaryRules = boundaries.map(({ files, allowed, message }) => {
  const outside = String.raw`^(?!(${allowed.join('|')}))`;
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: outside, message }, ...intoSrc] }],
      'no-restricted-syntax': [
        'error',
        // esquery ends a regex at the first slash, so the selector's copy escapes them.
        { selector: `ImportExpression > Literal[value=/${outside.replaceAll('/', String.raw`\/`)}/]`, message },
        { selector: "CallExpression[callee.name='require']", message: 'ES modules only: use import.' },
      ],
    },
  };
});

export default tseslint.config(
  // packaging/consumer is a project outside the repository's tsconfigs: the install test typechecks it on its own.
  { ignores: ['**/node_modules/**', '**/dist/**', 'bench/results/**', 'packaging/consumer/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Hostile-text handling matches control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // Config files sit outside every package's tsconfig; lint them without type information.
    files: ['*.js', '*.ts', '**/vitest.config.ts', 'packages/*/bin/*.js', 'scripts/**'],
    ...tseslint.configs.disableTypeChecked,
  },
  { files: ['**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: intoSrc }] } },
  ...boundaryRules,
  {
    files: ['**/*.test.ts', '**/test/**', '**/contract/**'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
);
