/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    // Type checking is done once by `tsc --noEmit` in `npm test`; per-file
    // transpilation keeps jest fast on a 2-core machine.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  setupFilesAfterEnv: ['<rootDir>/spec/helpers/no-unhandled.ts'],
  testTimeout: 20000,
};
