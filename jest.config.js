/** Tests are TypeScript, compiled by ts-jest without type checking (`npm run typecheck` does that once). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  setupFiles: ['<rootDir>/test/helpers/fetch-without-keepalive.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
  // Each test file loads its own copy of the modules, so a worker's memory grows by ~20 MB a file (its RSS past 1.5 GB by
  // the last one). A worker is replaced once its heap passes this after a file: a process that large took longer to
  // exit than jest waits (500 ms) on a loaded machine, and jest killed it with a "failed to exit gracefully" warning.
  workerIdleMemoryLimit: '512MB',
};
