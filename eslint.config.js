// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      'packages/core/build/**',
      '**/coverage/**',
      '**/node_modules/**',
      'bench/results/**',
      '**/.data/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.test.json', './packages/fastify/test/with-fastify-jwt/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The core imports no framework, reads no process.env, and only its Node backend imports node:.
    files: ['packages/core/src/**/*.ts'],
    ignores: ['packages/core/src/crypto/node-backend.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Only crypto/node-backend.ts may import node: modules.' },
            {
              group: ['express', 'koa', 'fastify', '@nestjs/*', 'fastify-plugin'],
              message: 'The core imports no web framework.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'The core reads no process.env.' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Buffer', message: 'Use Uint8Array: the core runs beyond Node.' },
      ],
    },
  },
  {
    // Adapters never import each other.
    files: ['packages/{express,koa,fastify,nestjs,hono,redis,opentelemetry}/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@scopeguard/express',
                '@scopeguard/koa',
                '@scopeguard/fastify',
                '@scopeguard/nestjs',
                '@scopeguard/hono',
                '@scopeguard/redis',
                '@scopeguard/opentelemetry',
              ],
              message: 'Packages depend on @scopeguard/core only, never on each other.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/test/**/*.ts', 'bench/**/*.ts', 'bench/**/*.mjs', 'scripts/**', '**/*.test-d.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
      },
    },
  },
)
