// eslint (flat config): web/'s ES modules (page: browser; worker: worker; shared: both), the build
// scripts and the tests (node). Formatting is prettier's (.prettierrc.json), not eslint's.
'use strict';
const js = require('@eslint/js');
const globals = require('globals');

const unused = ['error', { argsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }];

module.exports = [
  { ignores: ['build/', 'dist/', 'node_modules/', 'tests/fuzz/corpus*/'] },
  js.configs.recommended,
  {
    files: ['web/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.browser, ...globals.worker } },
    rules: { 'no-unused-vars': unused },
  },
  {
    files: ['scripts/*.mjs', 'tests/**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: globals.node },
    rules: { 'no-unused-vars': unused },
  },
  {
    files: ['tests/**/*.js', 'eslint.config.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { 'no-unused-vars': unused },
  },
  {
    // The end-to-end tests pass functions to page.evaluate: they run in the page.
    files: ['tests/e2e/*.js', 'tests/engines/*.js', 'tests/bench/*.js'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
];
