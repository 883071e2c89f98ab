export { EnvSchema, type Env } from './schema';
export { loadConfig, loadConfigOrExit, ConfigError, type Config } from './load-config';
