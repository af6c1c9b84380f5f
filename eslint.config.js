// Lint rules that guard the architecture (docs/architecture.md): pure folders import only pure folders and no
// effectful library; effectful folders never reach up into the edges (cli, daemon).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const pureFolders = ['model', 'render', 'plan', 'health', 'report', 'rollout', 'validate'];
// The kubefedctl verbs mix pure planning with member and file effects; its pure files are held to the same rule.
const pureKubefedctlFiles = [
  'target-types', 'federate-object', 'api-resources', 'edit-yaml-text', 'find-documents', 'orphaning',
  'plan-type-config', 'plan-cluster-file', 'join-plan', 'completion-script', 'file-change',
];
// Replica coordination: the assignment, Lease ownership and status-merge rules are pure; the stores are effects.
const pureCoordinationFiles = ['assign-members', 'lease-ownership', 'merge-statuses'];
// Multi-Cluster Services: the merge, the import plan, the export conditions and the member write plan are pure.
const pureMcsFiles = ['mcs-api', 'merge-exports', 'plan-imports', 'export-conditions', 'plan-member-writes', 'summarize-services'];
const effectfulLibraries = [
  'node:fs', 'node:fs/promises', 'node:child_process', 'node:net', 'node:http', 'node:https', 'node:os',
  'node:process', 'node:timers', 'isomorphic-git', '@kubernetes/client-node', 'chokidar', 'pino',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.lab/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['bin/**/*.js', '*.js'], languageOptions: { globals: { process: 'readonly' } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: [
      ...pureFolders.map((folder) => `src/${folder}/**/*.ts`),
      ...pureKubefedctlFiles.map((name) => `src/kubefedctl/${name}.ts`),
      ...pureCoordinationFiles.map((name) => `src/coordination/${name}.ts`),
      ...pureMcsFiles.map((name) => `src/mcs/${name}.ts`),
    ],
    rules: {
      'no-restricted-imports': ['error', {
        paths: effectfulLibraries.map((name) => ({ name, message: 'Pure modules take effects as parameters.' })),
        patterns: [{
          regex: '(^|/)(cli|daemon|source|cluster|apply|lab)/|(^|/)coordination/(lease-store|status-store|memory-stores)|(^|/)mcs/(mcs-controller|watch-members|install-mcs-crds|observe-members|write-imports)',
          message: 'Pure modules (model, render, plan, health, report, rollout, validate) import only pure modules.',
          // Types carry no effects: a pure module may describe the shape of an effect's result.
          allowTypeImports: true,
        }],
      }],
      'no-restricted-globals': ['error', { name: 'process', message: 'Pure modules do not read the process.' }],
    },
  },
  {
    files: ['src/{source,cluster,apply,report,lab,coordination,mcs}/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ regex: '(^|/)(cli|daemon)/', message: 'Only the edges (cli, daemon) import the edges.' }],
      }],
    },
  },
);
