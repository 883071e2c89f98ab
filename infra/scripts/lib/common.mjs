// Shared helpers of the infra checks (infra/validate.sh runs them with tsx, so they can load the app's
// TypeScript config schema). No dependency of their own: the `yaml` package is resolved from the pnpm store
// the workspace already installs (it is a dependency of vite/tsup), with js-yaml as a fallback.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The six variables that are secrets: a Kubernetes Secret, never a ConfigMap or a committed file. */
export const SECRET_VARS = [
  'JWT_SECRET',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'SMTP_URL',
  'MONGODB_URI',
  'REDIS_URL',
];

function loadYamlLibrary() {
  const bases = [join(repoRoot, 'package.json'), join(repoRoot, 'node_modules/.pnpm/_')];
  for (const base of bases) {
    try {
      const yaml = createRequire(base)('yaml');
      return {
        parse: (text) => yaml.parse(text, { merge: true, uniqueKeys: true, prettyErrors: true }),
        parseAll: (text) =>
          yaml.parseAllDocuments(text, { merge: true, uniqueKeys: true }).map((doc) => {
            if (doc.errors.length > 0) throw doc.errors[0];
            return doc.toJS({ maxAliasCount: 1000 });
          }),
      };
    } catch {
      // try the next place
    }
  }
  for (const base of bases) {
    try {
      const jsYaml = createRequire(base)('js-yaml');
      return { parse: (text) => jsYaml.load(text), parseAll: (text) => jsYaml.loadAll(text) };
    } catch {
      // try the next place
    }
  }
  throw new Error('No YAML parser found (yaml or js-yaml): run `pnpm install` first');
}

const yamlLibrary = loadYamlLibrary();

export const parseYaml = (text) => yamlLibrary.parse(text);
export const parseAllYaml = (text) => yamlLibrary.parseAll(text).filter((doc) => doc != null);
export const readYaml = (path) => parseYaml(readFileSync(resolve(repoRoot, path), 'utf8'));

/** Every variable named in .env.example (`NAME=value  # comment` lines). */
export function envExampleVars() {
  const text = readFileSync(join(repoRoot, '.env.example'), 'utf8');
  const names = [];
  for (const line of text.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=/.exec(line);
    if (match) names.push(match[1]);
  }
  if (names.length < 10) throw new Error(`.env.example: found only ${names.length} variables`);
  return names;
}

/** The app's own config validation (packages/config), to check values as the processes would. */
export async function appConfigLoader() {
  try {
    const module = await import(join(repoRoot, 'packages/config/src/index.ts'));
    return module.loadConfig;
  } catch (error) {
    throw new Error(`cannot load packages/config (run this script with tsx): ${error.message}`);
  }
}

/** Collects failures; `done()` prints them and sets the exit code. */
export function reporter(name) {
  const errors = [];
  let checks = 0;
  return {
    check(condition, message) {
      checks += 1;
      if (!condition) errors.push(message);
      return Boolean(condition);
    },
    fail(message) {
      checks += 1;
      errors.push(message);
    },
    done() {
      if (errors.length > 0) {
        console.error(`${name}: ${errors.length} problem(s) in ${checks} checks`);
        for (const error of errors) console.error(`  - ${error}`);
        process.exitCode = 1;
      } else {
        console.log(`${name}: ok (${checks} checks)`);
      }
      return errors.length === 0;
    },
  };
}
