export { createLogger, loggerOptions, maskEmails, REDACT_PATHS, type Logger, type LoggerSettings } from './logger';
export {
  createMetricsRegistry,
  createHttpMetrics,
  Registry,
  Counter,
  Gauge,
  Histogram,
  type HttpMetrics,
} from './metrics';
export { runChecks, type Check, type CheckResult, type CheckStatus, type OverallStatus } from './health';
export { createDatastoreMetrics } from './datastore-metrics';
