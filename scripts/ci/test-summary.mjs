// Prints the suite's closing line in the plain form CI reads ("Tests: N passed, N failed, N skipped"),
// then the same counts per area (shop, tooling, docs checks; mapping in test-areas.mjs), and names
// every skipped test (their names carry the reason, e.g. "[needs real MongoDB: ...]").
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { areaLines, countByArea } from './test-areas.mjs';

const file = process.argv[2] ?? '.vitest/results.json';
if (!existsSync(file)) {
  console.log(`No test results at ${file}`);
  process.exit(0);
}
const results = JSON.parse(readFileSync(file, 'utf8'));
const skipped = results.testResults
  .flatMap((suite) => suite.assertionResults.map((test) => ({ ...test, file: suite.name })))
  .filter((test) => test.status === 'pending' || test.status === 'skipped' || test.status === 'todo');
if (skipped.length > 0) {
  console.log(`\nSkipped (${skipped.length}):`);
  for (const test of skipped) console.log(`  - ${test.fullName}`);
}
const passed = results.numPassedTests;
const failed = results.numFailedTests;
const skippedCount = results.numPendingTests + (results.numTodoTests ?? 0);
console.log(`\nTests: ${passed} passed, ${failed} failed, ${skippedCount} skipped`);
const root = fileURLToPath(new URL('../..', import.meta.url));
for (const line of areaLines(countByArea(results, root))) console.log(line);
