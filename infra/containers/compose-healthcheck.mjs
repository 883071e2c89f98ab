// Prints the healthcheck test of a docker-compose.yml service as the argv to exec in its container, one argument
// per line (CMD-SHELL becomes `sh -c …`); nothing when the service has none (the image's HEALTHCHECK applies).
//   node infra/containers/compose-healthcheck.mjs <service>
// Why: podman-compose 1.0.3 turns a CMD list into one shell string without quoting it properly, so podman's own
// health status is wrong for any test whose arguments hold spaces or parentheses (mongosh --eval, node -e);
// stack.sh runs the test as Docker would instead.
import { readYaml } from '../scripts/lib/common.mjs';

const service = process.argv[2];
const test = readYaml('docker-compose.yml').services?.[service]?.healthcheck?.test;
if (!service || (test !== undefined && !Array.isArray(test) && typeof test !== 'string')) {
  console.error('usage: compose-healthcheck.mjs <service>');
  process.exit(2);
}
const argv = typeof test === 'string' ? ['sh', '-c', test] : test?.[0] === 'CMD-SHELL' ? ['sh', '-c', test[1]] : test?.[0] === 'CMD' ? test.slice(1) : [];
for (const arg of argv) {
  if (arg.includes('\n')) throw new Error(`${service}: a healthcheck argument spans lines`);
  console.log(arg);
}
