import { defineConfig } from 'vitest/config';
import projects from './vitest.workspace';

export default defineConfig({
  test: {
    projects,
    // The JSON report feeds the plain summary line CI prints (scripts/ci/test-summary.mjs).
    reporters: ['default', ['json', { outputFile: '.vitest/results.json' }]],
  },
});
