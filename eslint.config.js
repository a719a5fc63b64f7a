// Type-aware lint of the whole tree: typescript-eslint's recommended rules, and every switch over a union
// exhaustive (a new member of a union is a lint error until each switch says what it does with it).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'bench/out/', 'node_modules/', 'coverage/', '**/*.mjs', '**/*.js', '**/*.cjs'] },
  tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
);
