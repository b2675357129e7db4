// Lint rules: the recommended sets of ESLint and typescript-eslint, type-aware.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'native-bindings/build/', 'node_modules/', '.tap/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_`-prefixed parameters document an unused but required argument.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Errors are never swallowed: an empty catch must at least say why in a comment.
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
)
