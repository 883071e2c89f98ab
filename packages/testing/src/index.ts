// The test harness. This index loads vitest (inject, describe), which refuses to run outside a vitest run:
// plain scripts (bench/, soak/) import the vitest-free parts by subpath (@simple-shop/testing/fixtures, /jwt, /rng,
// /smtp-catcher, /spawn-process; see package.json "exports").
export {
  testDeps,
  uniqueName,
  testEnv,
  testConfig,
  describeRealMongo,
  itRealMongo,
  waitFor,
  NEEDS_REAL_MONGO,
  TEST_JWT_SECRET,
  type TestDeps,
  type TestEnv,
} from './deps';
export {
  spawnProcess,
  type SpawnProcessOptions,
  type SpawnedProcess,
  type WaitForLineOptions,
  type ExitInfo,
} from './spawn-process';
export {
  freePort,
  startRedisServer,
  startJongodb,
  type StartedRedisServer,
  type StartedJongodb,
} from '@simple-shop/dev-services';
export { productDoc } from './fixtures';
export { signTestAccessToken } from './jwt';
export { startStack, STACK_STRIPE_KEY, STACK_WEBHOOK_SECRET, type Stack, type RunningApi } from './stack';
export { startSmtpCatcher, type SmtpCatcher, type CapturedMail } from './smtp-catcher';
export { createRng, type Rng } from './rng';
