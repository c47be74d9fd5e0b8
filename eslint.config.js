// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import {
  pureCoreRules,
  PURE_CORE_FILES,
  PURE_CORE_EXCEPTIONS,
} from './scripts/eslint-pure-rules.js';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/testdata/**', '.vigil-demo/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: true },
      ],
      // noUncheckedIndexedAccess makes `!` after an explicit bounds check the clearest form.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Tests may use node:test's async describe/it freely.
    files: ['**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['it', 'test', 'describe', 'suite'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
  // Pure cores: deterministic code fed messages and ticks. No clock, randomness, timers,
  // process, or Node built-ins (DEVELOPERS.md, principle 1). test/eslint-pure.test.ts proves it fires.
  {
    files: PURE_CORE_FILES,
    ignores: PURE_CORE_EXCEPTIONS,
    rules: pureCoreRules,
  },
);
