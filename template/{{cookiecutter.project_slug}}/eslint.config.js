import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
{%- if cookiecutter.language == 'ts' %}
import tseslint from 'typescript-eslint';
{%- endif %}

export default defineConfig([
  globalIgnores(['coverage/'{% if cookiecutter.language == 'ts' %}, 'dist/'{% endif %}]),
  js.configs.recommended,
{%- if cookiecutter.language == 'ts' %}
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
  },
{%- endif %}
  {
    languageOptions: {
      globals: globals.node,
    },
  },
]);
