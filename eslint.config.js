import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    files: ['**/*.test.ts', '**/test/**', '**/contract/**'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
);
