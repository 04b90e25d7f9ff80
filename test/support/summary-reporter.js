const { appendFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

/**
 * Prints "jest: N passed, N failed, N skipped" and appends the counts to
 * .test-cache/test-counts, from which .ci/run prints the closing line of a CI run.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`;
    process.stdout.write(`jest: ${line}\n`);
    const dir = join(__dirname, '..', '..', '.test-cache');
    mkdirSync(dir, { recursive: true });
    appendFileSync(join(dir, 'test-counts'), `${results.numPassedTests} ${results.numFailedTests} ${skipped}\n`);
  }
}
module.exports = SummaryReporter;
