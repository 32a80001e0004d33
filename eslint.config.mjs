// ESLint 9 flat config for `npm run lint` (lib/, spec/, samples/, bench/, scripts/):
// eslint's and typescript-eslint's recommended rules, with the exceptions below,
// each with its reason. Formatting is prettier's (`npm run format`):
// eslint-config-prettier, last, turns off every rule that would fight it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: ['**/node_modules/', 'dist/', 'coverage/', 'docs/api/', 'bench/results/', 'bench/.build/', 'spec/fixtures/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // Typed peer proxies, defineService objects and decoded wire values are `any` by design (66 places).
      '@typescript-eslint/no-explicit-any': 'off',
      // Decorators and the handler registry take any class or method, as TypeScript's own decorator types do.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // A leading `_` marks a parameter or destructured name as deliberately unused.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // `const self = this` for a named function that must remove itself from a list (spec/helpers/raw.ts).
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
      // /[\x00-\x7f]/ is the ASCII range, on purpose (the bundler's ASCII-only output and its spec).
      'no-control-regex': 'off',
    },
  },
  {
    files: ['spec/**'],
    rules: {
      // Specs require() modules inside jest.isolateModules/doMock, and CommonJS-only test dependencies.
      '@typescript-eslint/no-require-imports': 'off',
      // Two spaces in an expected-output regex match column-aligned output; ` {2}` reads worse.
      'no-regex-spaces': 'off',
    },
  },
  {
    // Plain-JavaScript samples that run on Node without a build step.
    files: ['**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
  {
    // The library never prints: it logs through the logger it is given. The CLI, samples, bench and scripts may.
    files: ['lib/**'],
    rules: { 'no-console': 'error' },
  },
  prettier,
);
