// Checks docker-compose.yml (and the Dockerfiles it builds) without a Docker engine:
//   tsx infra/scripts/check-compose.mjs
// The docker CLI here has no compose plugin and compose v1 does not know the `name:` key, so this reads the
// file like compose does (YAML merge keys, ${VAR:-default} interpolation) and checks what `compose config`
// would plus what it would not: services, profiles and depends_on references, healthchecks behind
// `service_healthy`, every .env.example variable passed to the app services and accepted by the app's own
// config schema (defaults and infra/compose/dev.env), no published port on the API, the load balancer and
// Prometheus pointing at the right service names and ports, bind mounts that exist, hardened app containers,
// and the Dockerfiles' production rules (multi-stage, pnpm deploy --prod, non-root numeric USER, HEALTHCHECK).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { appConfigLoader, envExampleVars, parseYaml, repoRoot, reporter } from './lib/common.mjs';

const r = reporter('docker-compose.yml');
const compose = parseYaml(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'));
const services = compose.services ?? {};
const names = Object.keys(services);
const loadConfig = await appConfigLoader();
const PROFILES = new Set(['dev', 'observability']);
const APP_SERVICES = {
  api: { port: 'PORT', dockerfile: 'infra/docker/api.Dockerfile' },
  worker: { port: 'WORKER_PORT', dockerfile: 'infra/docker/worker.Dockerfile' },
};

r.check(compose.name === 'simple-shop', 'top-level name must be simple-shop');
for (const required of [
  'mongo',
  'redis',
  'api',
  'worker',
  'lb',
  'storefront',
  'stripe-sim',
  'maildev',
  'prometheus',
  'grafana',
  'redis-exporter',
  'mongodb-exporter',
]) {
  r.check(services[required], `service ${required} is missing`);
}

/** Compose-style interpolation of one string with `env`; required-but-unset throws like compose does. */
function interpolate(value, env) {
  if (typeof value !== 'string') return value;
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g, (match, name, colon, op, arg) => {
    if (match === '$$') return '$';
    const set = env[name] !== undefined && (colon !== ':' || env[name] !== '');
    if (op === '-') return set ? env[name] : arg;
    if (op === '?') {
      if (!set) throw new Error(`required variable ${name} is not set: ${arg}`);
      return env[name];
    }
    return env[name] ?? '';
  });
}
const envOf = (service, env) =>
  Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(interpolate(String(v ?? ''), env))]),
  );
const parseEnvFile = (path) =>
  Object.fromEntries(
    readFileSync(join(repoRoot, path), 'utf8')
      .split('\n')
      .map((line) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
const durationMs = (text) => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(String(text ?? ''));
  return m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2]] : NaN;
};

// --- every service ---------------------------------------------------------------------------------------
const dockerfileHealthcheck = (path) => /^HEALTHCHECK\s/m.test(readFileSync(join(repoRoot, path), 'utf8'));
for (const [name, service] of Object.entries(services)) {
  r.check(service.image || service.build, `${name}: needs image or build`);
  if (service.build) {
    const dockerfile = service.build.dockerfile;
    r.check(service.build.context === '.', `${name}: build context must be the repository root`);
    r.check(dockerfile && existsSync(join(repoRoot, dockerfile)), `${name}: Dockerfile ${dockerfile} does not exist`);
  }
  if (service.image && !service.build) {
    r.check(
      /:[\w.-]+$/.test(service.image) && !service.image.endsWith(':latest'),
      `${name}: image ${service.image} must be pinned to a tag`,
    );
  }
  for (const profile of service.profiles ?? []) r.check(PROFILES.has(profile), `${name}: unknown profile ${profile}`);
  const deps = Array.isArray(service.depends_on)
    ? Object.fromEntries(service.depends_on.map((d) => [d, {}]))
    : (service.depends_on ?? {});
  for (const [dep, options] of Object.entries(deps)) {
    const target = services[dep];
    if (!r.check(target, `${name}: depends_on unknown service ${dep}`)) continue;
    const mine = service.profiles ?? [];
    const theirs = target.profiles ?? [];
    r.check(
      theirs.length === 0 || theirs.some((p) => mine.includes(p)),
      `${name}: depends on ${dep}, which is only in profile(s) ${theirs.join(',')}`,
    );
    if (options?.condition === 'service_healthy') {
      const hasHealthcheck = target.healthcheck || (target.build && dockerfileHealthcheck(target.build.dockerfile));
      r.check(hasHealthcheck, `${name}: waits for ${dep} to be healthy but ${dep} has no healthcheck`);
    }
  }
  for (const volume of service.volumes ?? []) {
    const source = String(volume).split(':')[0];
    if (source.startsWith('./') || source.startsWith('/')) {
      r.check(existsSync(join(repoRoot, source)), `${name}: bind mount ${source} does not exist`);
    } else {
      r.check(compose.volumes && source in compose.volumes, `${name}: named volume ${source} is not declared`);
    }
  }
  if (service.healthcheck) {
    r.check(
      Array.isArray(service.healthcheck.test) && service.healthcheck.test[0] === 'CMD',
      `${name}: healthcheck must use the exec form ["CMD", ...]`,
    );
  }
}

// --- the app services --------------------------------------------------------------------------------------
const envVars = envExampleVars();
const baseEnv = { JWT_SECRET: 'x'.repeat(48) };
const devEnv = parseEnvFile('infra/compose/dev.env');
for (const [name, { port, dockerfile }] of Object.entries(APP_SERVICES)) {
  const service = services[name];
  if (!service) continue;
  r.check(!service.profiles, `${name}: must not be behind a profile`);
  r.check(service.build?.dockerfile === dockerfile, `${name}: must build ${dockerfile}`);
  r.check(
    !service.ports,
    `${name}: must not publish a host port (${name === 'api' ? 'reached through lb' : 'internal only'}; --scale would clash)`,
  );
  r.check(!service.container_name, `${name}: container_name prevents --scale`);
  for (const variable of envVars) {
    r.check(variable in (service.environment ?? {}), `${name}: .env.example variable ${variable} is not set`);
  }
  for (const key of Object.keys(service.environment ?? {})) {
    r.check(envVars.includes(key), `${name}: environment ${key} is not in .env.example (typo?)`);
  }
  for (const [label, env] of [
    ['defaults', baseEnv],
    // dev.env carries no JWT secret (production refuses published ones): the shell exports one.
    ['infra/compose/dev.env', { ...baseEnv, ...devEnv }],
  ]) {
    try {
      const values = envOf(service, env);
      loadConfig(values);
      r.check(true);
      const portValue = values[port];
      r.check(
        (service.expose ?? []).map(String).includes(portValue),
        `${name}: expose must include ${port}=${portValue}`,
      );
      const grace = durationMs(service.stop_grace_period ?? '10s');
      r.check(
        grace >= Number(values.SHUTDOWN_GRACE_MS) + 5000,
        `${name}: stop_grace_period ${service.stop_grace_period} must exceed SHUTDOWN_GRACE_MS (${values.SHUTDOWN_GRACE_MS} ms) by 5 s`,
      );
      if (label !== 'defaults') {
        for (const [variable, service2] of [
          ['STRIPE_API_BASE', 'stripe-sim'],
          ['SMTP_URL', 'maildev'],
          ['MONGODB_URI', 'mongo'],
          ['REDIS_URL', 'redis'],
        ]) {
          const host = values[variable] && new URL(values[variable]).hostname;
          r.check(
            host === service2,
            `${name} with ${label}: ${variable} should point at service ${service2}, not ${host}`,
          );
        }
      }
    } catch (error) {
      r.fail(`${name} with ${label}: ${error.message.replace(/\n\s*/g, ' ')}`);
    }
  }
  r.check(service.environment?.FAULT_PROCESSING_DELAY_MS === '0', `${name}: FAULT_PROCESSING_DELAY_MS must be 0`);
  r.check(service.read_only === true, `${name}: read_only must be true (like readOnlyRootFilesystem)`);
  r.check(
    (service.tmpfs ?? []).some((t) => String(t).startsWith('/tmp')),
    `${name}: needs a tmpfs /tmp`,
  );
  r.check((service.cap_drop ?? []).includes('ALL'), `${name}: cap_drop must include ALL`);
  r.check(service.healthcheck || dockerfileHealthcheck(dockerfile), `${name}: needs a healthcheck`);
  checkDockerfile(dockerfile, name);
}
const apiEnv = envOf(services.api ?? {}, baseEnv);
r.check(apiEnv.TRUST_PROXY === 'true', 'api: TRUST_PROXY must be true behind lb (nginx overwrites X-Forwarded-For)');

// --- load balancer ------------------------------------------------------------------------------------------
const lb = services.lb ?? {};
r.check((lb.ports ?? []).length > 0, 'lb: must publish a port');
const nginxMount = (lb.volumes ?? []).find((v) => String(v).includes('nginx.conf'));
if (r.check(nginxMount, 'lb: must mount infra/nginx/nginx.conf')) {
  const conf = readFileSync(join(repoRoot, String(nginxMount).split(':')[0]), 'utf8');
  r.check(
    conf.includes(`http://api:${apiEnv.PORT}`),
    `nginx.conf: upstream must be http://api:${apiEnv.PORT} (the compose service name)`,
  );
  r.check(
    /resolver\s+127\.0\.0\.11/.test(conf),
    'nginx.conf: must resolve through Docker DNS (127.0.0.11) so scaled replicas are found',
  );
  r.check(
    /proxy_set_header\s+X-Forwarded-For\s+\$remote_addr;/.test(conf),
    'nginx.conf: must overwrite X-Forwarded-For (TRUST_PROXY=true)',
  );
  r.check(/location[^{]*\/metrics[^{]*\{\s*return 404;/.test(conf), 'nginx.conf: must not expose /metrics');
  r.check(/location[^{]*\/health\/deep[^{]*\{\s*return 404;/.test(conf), 'nginx.conf: must not expose /health/deep');
}
r.check(lb.depends_on?.api?.condition === 'service_healthy', 'lb: should wait for a healthy api');
r.check(!lb.depends_on?.storefront, 'lb: must not depend on storefront (optional: without it, the API serves /)');

// --- storefront ----------------------------------------------------------------------------------------------
const storefront = services.storefront ?? {};
const STOREFRONT_DOCKERFILE = 'infra/docker/storefront.Dockerfile';
r.check(
  !storefront.profiles,
  'storefront: must not be behind a profile (it is the shop; --scale storefront=0 drops it)',
);
r.check(storefront.build?.dockerfile === STOREFRONT_DOCKERFILE, `storefront: must build ${STOREFRONT_DOCKERFILE}`);
r.check(!storefront.ports, 'storefront: must not publish a host port (reached through lb)');
r.check((storefront.expose ?? []).map(String).includes('8080'), 'storefront: expose must include 8080');
r.check(storefront.read_only === true, 'storefront: read_only must be true');
r.check(
  (storefront.tmpfs ?? []).some((t) => String(t).startsWith('/tmp')),
  'storefront: needs a tmpfs /tmp',
);
r.check((storefront.cap_drop ?? []).includes('ALL'), 'storefront: cap_drop must include ALL');
if (nginxMount) {
  const conf = readFileSync(join(repoRoot, String(nginxMount).split(':')[0]), 'utf8');
  r.check(conf.includes('http://storefront:8080'), 'nginx.conf: / must go to http://storefront:8080');
  r.check(/error_page\s+502\s+504\s+=\s+@api;/.test(conf), 'nginx.conf: / must fall back to the API (headless)');
  for (const location of ['location /api/', 'location = /health', 'location /docs', 'location /admin/queues']) {
    const block = conf.slice(conf.indexOf(`${location} {`)).split('}')[0];
    r.check(
      conf.includes(`${location} {`) && block.includes('proxy_pass $api_upstream;'),
      `nginx.conf: ${location} must go to the API`,
    );
  }
}
{
  const text = readFileSync(join(repoRoot, STOREFRONT_DOCKERFILE), 'utf8');
  const stages = text.split(/^FROM\s/m).slice(1);
  const runtime = stages.at(-1) ?? '';
  r.check(stages.length >= 2, `${STOREFRONT_DOCKERFILE}: must be a multi-stage build`);
  r.check(/--frozen-lockfile/.test(text), `${STOREFRONT_DOCKERFILE}: installs must use --frozen-lockfile`);
  r.check(/^FROM \$\{NGINX_IMAGE\}/m.test(`FROM ${runtime}`), `${STOREFRONT_DOCKERFILE}: the runtime stage is nginx`);
  r.check(/^USER\s+[1-9]\d*(:\d+)?\s*$/m.test(runtime), `${STOREFRONT_DOCKERFILE}: numeric non-root USER`);
  r.check(/^HEALTHCHECK\s/m.test(runtime), `${STOREFRONT_DOCKERFILE}: the runtime stage needs a HEALTHCHECK`);
  r.check(
    !/^COPY \. /m.test(runtime) && !/pnpm|node /.test(runtime.replace(/^#.*$/gm, '')),
    `${STOREFRONT_DOCKERFILE}: the runtime stage holds the built files only (no repository, no Node)`,
  );
  r.check(
    runtime.includes('infra/nginx/storefront.conf /etc/nginx/nginx.conf'),
    `${STOREFRONT_DOCKERFILE}: must install infra/nginx/storefront.conf`,
  );
  const ignore = `${STOREFRONT_DOCKERFILE}.dockerignore`;
  if (r.check(existsSync(join(repoRoot, ignore)), `${STOREFRONT_DOCKERFILE}: needs ${ignore}`)) {
    const rules = readFileSync(join(repoRoot, ignore), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['**/node_modules', '**/dist', '.git', '.env'])
      r.check(rules.includes(entry), `${ignore}: must exclude ${entry}`);
    r.check(rules.includes('!infra/nginx/storefront.conf'), `${ignore}: must keep infra/nginx/storefront.conf`);
  }
}

// --- dev profile -------------------------------------------------------------------------------------------
const sim = services['stripe-sim'] ?? {};
const simEnv = envOf(sim, devEnv);
r.check(
  simEnv.STRIPE_SIM_WEBHOOK_URL === `http://lb/api/payments/webhook`,
  'stripe-sim: webhooks must go to http://lb/api/payments/webhook',
);
r.check(
  simEnv.STRIPE_WEBHOOK_SECRET === devEnv.STRIPE_WEBHOOK_SECRET,
  'stripe-sim and the app must share STRIPE_WEBHOOK_SECRET in dev.env',
);
r.check(
  String((sim.command ?? []).join(' ')).includes('@simple-shop/stripe-simulator start'),
  'stripe-sim: must run pnpm --filter @simple-shop/stripe-simulator start',
);
r.check(simEnv.STRIPE_SIM_HOST === '0.0.0.0', 'stripe-sim: must listen on 0.0.0.0 inside the container');
r.check(
  devEnv.STRIPE_API_BASE === `http://stripe-sim:${simEnv.STRIPE_SIM_PORT}`,
  'dev.env: STRIPE_API_BASE must be the simulator port',
);
r.check(
  (devEnv.COMPOSE_PROFILES ?? '').split(',').every((p) => PROFILES.has(p)),
  'dev.env: COMPOSE_PROFILES names an unknown profile',
);

// --- observability profile -----------------------------------------------------------------------------------
const prom = parseYaml(readFileSync(join(repoRoot, 'infra/prometheus/prometheus.yml'), 'utf8'));
const jobs = Object.fromEntries((prom.scrape_configs ?? []).map((j) => [j.job_name, j]));
for (const [job, service, port] of [
  ['api', 'api', apiEnv.PORT],
  ['worker', 'worker', apiEnv.WORKER_PORT],
]) {
  const sd = jobs[job]?.dns_sd_configs?.[0];
  r.check(
    sd && sd.names?.includes(service) && String(sd.port) === String(port),
    `prometheus.yml: job ${job} must discover service ${service} on port ${port} by DNS`,
  );
}
for (const [job, service] of [
  ['redis', 'redis-exporter'],
  ['mongodb', 'mongodb-exporter'],
]) {
  const target = jobs[job]?.static_configs?.[0]?.targets?.[0] ?? '';
  r.check(
    target.split(':')[0] === service && (services[service]?.expose ?? []).map(String).includes(target.split(':')[1]),
    `prometheus.yml: job ${job} must scrape ${service} on its exposed port`,
  );
}
const grafanaVolumes = (services.grafana?.volumes ?? []).map(String);
r.check(
  grafanaVolumes.some((v) => v.startsWith('./infra/grafana/provisioning:/etc/grafana/provisioning')),
  'grafana: must mount the provisioning folder',
);
r.check(
  grafanaVolumes.some((v) => v.startsWith('./infra/grafana/dashboards:/var/lib/grafana/dashboards')),
  'grafana: must mount the dashboards folder',
);
const provider = parseYaml(
  readFileSync(join(repoRoot, 'infra/grafana/provisioning/dashboards/simple-shop.yml'), 'utf8'),
);
r.check(
  provider.providers?.[0]?.options?.path === '/var/lib/grafana/dashboards',
  'grafana provider path must match the dashboards mount',
);
const datasource = parseYaml(
  readFileSync(join(repoRoot, 'infra/grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
);
r.check(
  datasource.datasources?.[0]?.url === 'http://prometheus:9090',
  'grafana datasource must point at the prometheus service',
);
for (const service of ['prometheus', 'grafana', 'redis-exporter', 'mongodb-exporter']) {
  r.check(
    (services[service]?.profiles ?? []).includes('observability'),
    `${service}: must be in the observability profile`,
  );
}
for (const service of ['stripe-sim', 'maildev']) {
  r.check((services[service]?.profiles ?? []).includes('dev'), `${service}: must be in the dev profile`);
}

// --- Dockerfiles --------------------------------------------------------------------------------------------
function checkDockerfile(path, name) {
  const text = readFileSync(join(repoRoot, path), 'utf8');
  const stages = text.split(/^FROM\s/m).slice(1);
  r.check(stages.length >= 2, `${path}: must be a multi-stage build`);
  const runtime = stages.at(-1) ?? '';
  const build = stages.slice(0, -1).join('\n');
  r.check(
    /pnpm --filter @simple-shop\/\S+ deploy --prod/.test(build),
    `${path}: must lay out production deps with pnpm deploy --prod`,
  );
  r.check(/--frozen-lockfile/.test(build), `${path}: installs must use --frozen-lockfile`);
  r.check(
    /python3/.test(build) && /\bmake\b/.test(build) && /g\+\+/.test(build),
    `${path}: the build stage needs python3, make and g++ (native addons from source)`,
  );
  r.check(
    /^USER\s+[1-9]\d*(:\d+)?\s*$/m.test(runtime),
    `${path}: the runtime stage must run as a numeric non-root USER (runAsNonRoot can only verify a uid)`,
  );
  r.check(/^HEALTHCHECK\s/m.test(runtime), `${path}: the runtime stage needs a HEALTHCHECK`);
  r.check(/^CMD \["node",/m.test(runtime), `${path}: CMD must run node directly in exec form (signals reach it)`);
  r.check(
    !/^COPY \. /m.test(runtime) && !/pnpm install/.test(runtime),
    `${path}: the runtime stage must not copy the repository or install`,
  );
  r.check(/NODE_ENV=production/.test(runtime), `${path}: the runtime stage must set NODE_ENV=production`);
  const ignore = `${path}.dockerignore`;
  if (r.check(existsSync(join(repoRoot, ignore)), `${path}: needs ${ignore}`)) {
    const rules = readFileSync(join(repoRoot, ignore), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['**/node_modules', '.git', '.env'])
      r.check(rules.includes(entry), `${ignore}: must exclude ${entry}`);
  }
  r.check(dirname(path) === 'infra/docker', `${name}: Dockerfiles live in infra/docker`);
}

r.done();
