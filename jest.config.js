/** Tests are TypeScript, compiled by ts-jest without type checking (`npm run typecheck` does that once). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  setupFiles: ['<rootDir>/test/helpers/fetch-without-keepalive.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
};
