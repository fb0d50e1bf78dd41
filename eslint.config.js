// Flat config: typescript-eslint's recommended rules over our sources and tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'test-artifacts/**', 'src/conversion/uno/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  { files: ['bench/**', 'test/**', 'scripts/**'], rules: { 'no-console': 'off' } },
  // Plain Node scripts (check-lockfile.mjs): Node's globals.
  { files: ['scripts/**/*.mjs'], languageOptions: { globals: globals.node } },
  // Browser scripts served from /static: plain ES2022 modules in the page (format.js is shared with the server), no bundler.
  { files: ['public/js/**'], languageOptions: { globals: globals.browser, sourceType: 'module' }, rules: { 'no-console': 'off' } },
);
