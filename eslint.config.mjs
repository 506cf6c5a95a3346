import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'media/**', 'node_modules/**', '.run/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The engine client and the domain must stay testable in plain Node: no `vscode` there.
    files: ['src/docker/**/*.ts', 'src/instances/**/*.ts', 'src/webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/docker, src/instances and src/webview must not depend on the VS Code API.' }] }],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
);
