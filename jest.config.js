// One runner for the whole repo: unit specs beside the code, integration tests
// under test/ (they need the real Kafka and ClickHouse that globalSetup provides).
const aliases = {
  '^@tokenwarden/events$': '<rootDir>/libs/events/src/index.ts',
  '^@tokenwarden/kafka$': '<rootDir>/libs/kafka/src/index.ts',
  '^@tokenwarden/clickhouse$': '<rootDir>/libs/clickhouse/src/index.ts',
  '^@tokenwarden/config$': '<rootDir>/libs/config/src/index.ts',
  '^@tokenwarden/policy$': '<rootDir>/libs/policy/src/index.ts',
  '^@tokenwarden/jwt$': '<rootDir>/libs/jwt/src/index.ts',
  '^@tokenwarden/guard$': '<rootDir>/libs/guard/src/index.ts',
  '^@tokenwarden/testing$': '<rootDir>/test/support/index.ts',
};
const transform = { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] };
const common = { moduleFileExtensions: ['ts', 'js', 'json'], transform, moduleNameMapper: aliases, testEnvironment: 'node' };

module.exports = {
  // Integration tests talk to real servers on a shared two-core machine.
  testTimeout: 120000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
