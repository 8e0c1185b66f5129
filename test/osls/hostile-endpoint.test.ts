// test/e2e/hostile-endpoint.test.ts again under osls 4, the maintained continuation of serverless 3: the same tests, the other CLI
// (test/helpers.ts reads SCF_E2E_CLI as it loads, so it is set before).
process.env.SCF_E2E_CLI = 'osls';
require('../e2e/hostile-endpoint.test');
