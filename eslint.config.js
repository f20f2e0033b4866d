// @ts-check
// ESLint holds the layers' boundaries so that reviews don't have to (docs: /work/shared/docs/conventions.md):
//   - only repositories (`*.repository.ts`) and `db/` touch the database: nowhere else is `.db` read, nor kysely's `sql` imported;
//   - routes (`src/http/**`) import services, never repositories (a type from one is fine: it runs no query).
// Layout is Prettier's (`npm run format`), so eslint-config-prettier switches off every rule about it.
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const repositoryFiles = ['src/**/*.repository.ts'];
/** Where the database may be touched directly besides the repositories: its setup, the migrations and the seed; tests and benchmarks build their fixtures and measure with it. */
const databaseFiles = ['db/**', 'tests/**', 'bench/**'];

const onlyRepositoriesQuery = 'Only repositories (*.repository.ts) and db/ touch the database: move the query into the domain’s repository and call it with ctx or tx.';

/** `sql` is kysely's raw SQL tag: a query by another name. */
const sqlImport = { name: 'kysely', importNames: ['sql'], message: onlyRepositoriesQuery };
const repositoryImport = {
  group: ['**/*.repository.ts'],
  allowTypeImports: true,
  message: 'Routes call services, never repositories: add (or use) a service function that decides and calls the repository.',
};

export default defineConfig(
  {
    ignores: ['node_modules/**', 'coverage/**', 'tests/artifacts/**', 'dist/**', '.probe/**'],
  },
  {
    // The build scripts are plain JavaScript for Node (they run before anything is compiled).
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        // Type information for no-floating-promises / no-misused-promises: a promise nobody awaits is an
        // error nobody sees (an unhandled rejection) or a write that races the response.
        projectService: { allowDefaultProject: ['vitest.faults.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
    },
  },
  {
    rules: {
      // `_` marks a parameter or a destructured value kept for its position; a caught error may go unnamed in use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // Migrations take Kysely<any>, as Kysely documents: a landed migration must not depend on today's types (db/types.ts).
    files: ['db/migrate.ts', 'db/migrations/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests read JSON bodies and poke at instances to see them refused: an assertion, not a type, says what they hold.
    files: ['tests/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The few plain JavaScript files: this config, the page script, the optimizer thread's entry.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { document: 'readonly', Intl: 'readonly', URL: 'readonly' } },
    rules: { 'no-empty': ['error', { allowEmptyCatch: true }] },
  },
  {
    // Everything outside the repositories and db/ (see databaseFiles) reaches the database only through a repository function.
    files: ['**/*.ts'],
    ignores: [...repositoryFiles, ...databaseFiles],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[property.name='db']", message: onlyRepositoriesQuery },
        { selector: "ObjectPattern > Property[key.name='db']", message: onlyRepositoriesQuery },
      ],
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [sqlImport] }],
    },
  },
  {
    // Routes, middleware and the app: services only. (The rule's options replace the ones above, so `sql` is named again.)
    files: ['src/http/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [sqlImport], patterns: [repositoryImport] }],
    },
  },
  {
    // Not a route: the Prometheus collector reads counts and decides nothing, so a service in between would only pass them through.
    files: ['src/http/metrics.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: [sqlImport] }] },
  },
  prettier,
);
