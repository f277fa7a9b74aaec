import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';

export default defineConfig([
  globalIgnores(['coverage/']),
  js.configs.recommended,
  {
    languageOptions: {
      globals: globals.node,
    },
  },
]);
