// Checks the Kubernetes manifests rendered by `kubectl kustomize infra/k8s/overlays/production` (alone, or with
// the optional storefront component, infra/k8s/components/storefront):
//   tsx infra/scripts/check-manifests.mjs <rendered.yaml> [--storefront]
// What a schema check cannot see: cross-references (Service/PDB/HPA -> Deployment, probe ports, ConfigMap
// and Secret names), every .env.example variable wired into both containers (secrets from the Secret only),
// ConfigMap values accepted by the app's own config schema, probes on the right paths and ports, grace
// periods longer than the drain, hardened security contexts, scrape annotations, and the prometheus-adapter
// rule behind the worker's queue-depth HPA.
import { readFileSync } from 'node:fs';
import { SECRET_VARS, appConfigLoader, envExampleVars, parseAllYaml, readYaml, reporter } from './lib/common.mjs';

const file = process.argv[2];
const withStorefront = process.argv.includes('--storefront');
if (!file) {
  console.error('usage: check-manifests.mjs <rendered.yaml> [--storefront]');
  process.exit(2);
}
const r = reporter('k8s manifests');
const docs = parseAllYaml(readFileSync(file, 'utf8'));
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
const KNOWN_KINDS = {
  Namespace: 'v1',
  ServiceAccount: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Service: 'v1',
  Deployment: 'apps/v1',
  PodDisruptionBudget: 'policy/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  Ingress: 'networking.k8s.io/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
};

// --- every object -------------------------------------------------------------------------------------
const seen = new Set();
let namespace;
for (const doc of docs) {
  const id = `${doc.kind}/${doc.metadata?.name}`;
  r.check(doc.apiVersion && doc.kind && doc.metadata?.name, `object without apiVersion/kind/metadata.name: ${id}`);
  r.check(
    KNOWN_KINDS[doc.kind] === doc.apiVersion,
    `${id}: apiVersion ${doc.apiVersion} (expected ${KNOWN_KINDS[doc.kind] ?? 'a known kind'})`,
  );
  r.check(!seen.has(id), `${id} is defined twice`);
  seen.add(id);
  if (doc.kind === 'Namespace') namespace = doc.metadata.name;
}
r.check(namespace, 'the overlay defines no Namespace');
for (const doc of docs) {
  if (CLUSTER_SCOPED.has(doc.kind)) continue;
  r.check(doc.metadata.namespace === namespace, `${doc.kind}/${doc.metadata.name} is not in namespace ${namespace}`);
}
r.check(!docs.some((d) => d.kind === 'Secret'), 'a Secret is rendered: secrets must not live in the repository');

const of = (kind) => docs.filter((d) => d.kind === kind);
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v) && Object.keys(selector ?? {}).length > 0;

// --- configuration ------------------------------------------------------------------------------------
const configMaps = of('ConfigMap');
const envVars = envExampleVars();
const secretName = 'simple-shop-secrets';

const deployments = of('Deployment');
const { storefront, ...byComponent } = Object.fromEntries(
  deployments.map((d) => [d.spec?.template?.metadata?.labels?.['app.kubernetes.io/component'], d]),
);
r.check(
  byComponent.api && byComponent.worker,
  'expected one Deployment with component=api and one with component=worker',
);
r.check(
  withStorefront ? Boolean(storefront) : !storefront,
  withStorefront ? 'the storefront component rendered no Deployment' : 'a storefront Deployment in the headless render',
);
const expectedDeployments = withStorefront ? 3 : 2;
r.check(
  deployments.length === expectedDeployments,
  `expected ${expectedDeployments} Deployments, found ${deployments.length}`,
);

const hpas = of('HorizontalPodAutoscaler');
const hpaFor = (name) =>
  hpas.find((h) => h.spec?.scaleTargetRef?.kind === 'Deployment' && h.spec.scaleTargetRef.name === name);
const loadConfig = await appConfigLoader();

for (const [component, deployment] of Object.entries(byComponent)) {
  if (!deployment) continue;
  const name = `Deployment/${deployment.metadata.name}`;
  const spec = deployment.spec;
  const pod = spec.template.spec;
  const podLabels = spec.template.metadata.labels;
  r.check(matches(spec.selector?.matchLabels, podLabels), `${name}: selector does not match the pod labels`);
  r.check(pod.enableServiceLinks === false, `${name}: enableServiceLinks must be false (service env vars)`);
  r.check(pod.automountServiceAccountToken === false, `${name}: automountServiceAccountToken must be false`);
  const psc = pod.securityContext ?? {};
  r.check(psc.runAsNonRoot === true, `${name}: pod securityContext.runAsNonRoot must be true`);
  r.check(Number.isInteger(psc.runAsUser) && psc.runAsUser > 0, `${name}: pod runAsUser must be a non-zero uid`);
  r.check(psc.seccompProfile?.type === 'RuntimeDefault', `${name}: seccompProfile must be RuntimeDefault`);
  const hpa = hpaFor(deployment.metadata.name);
  r.check(hpa, `${name}: no HorizontalPodAutoscaler targets it`);
  r.check(spec.replicas === undefined, `${name}: replicas is set but the HPA owns it (every apply would reset it)`);
  r.check(spec.strategy?.rollingUpdate?.maxUnavailable === 0, `${name}: rollingUpdate.maxUnavailable must be 0`);

  r.check(pod.containers?.length === 1, `${name}: expected exactly one container`);
  const container = pod.containers?.[0] ?? {};
  const cname = `${name} container ${container.name}`;

  // Image
  r.check(
    /^[^:]+(:[^:]+|@sha256:[0-9a-f]{64})$/.test(container.image ?? '') && !/:latest$/.test(container.image),
    `${cname}: image "${container.image}" must be pinned to a tag or digest (not latest)`,
  );

  // Environment: every .env.example variable; secrets from the Secret, the rest from a ConfigMap.
  const fromConfigMap = new Map();
  for (const source of container.envFrom ?? []) {
    if (source.secretRef)
      r.fail(`${cname}: envFrom secretRef hides which secrets are used; use secretKeyRef per variable`);
    if (!source.configMapRef) continue;
    const cm = configMaps.find((c) => c.metadata.name === source.configMapRef.name);
    if (!r.check(cm, `${cname}: envFrom references a missing ConfigMap ${source.configMapRef.name}`)) continue;
    for (const [key, value] of Object.entries(cm.data ?? {})) fromConfigMap.set(key, value);
  }
  const explicit = new Map((container.env ?? []).map((e) => [e.name, e]));
  const effective = {};
  for (const variable of envVars) {
    const entry = explicit.get(variable);
    if (SECRET_VARS.includes(variable)) {
      const ref = entry?.valueFrom?.secretKeyRef;
      r.check(
        ref && ref.name === secretName && ref.key === variable && ref.optional !== true,
        `${cname}: ${variable} must come from secretKeyRef ${secretName}/${variable} (not optional)`,
      );
      r.check(!fromConfigMap.has(variable), `${cname}: secret ${variable} is in a ConfigMap`);
      r.check(entry?.value === undefined, `${cname}: secret ${variable} has a literal value`);
      effective[variable] = placeholderSecret(variable);
    } else {
      r.check(!entry?.valueFrom?.secretKeyRef, `${cname}: ${variable} is not a secret but comes from a Secret`);
      const value = entry?.value ?? fromConfigMap.get(variable);
      r.check(entry !== undefined || fromConfigMap.has(variable), `${cname}: ${variable} (.env.example) is not wired`);
      if (value !== undefined) effective[variable] = value;
    }
  }
  for (const key of fromConfigMap.keys()) {
    r.check(envVars.includes(key), `${cname}: ConfigMap key ${key} is not in .env.example (typo?)`);
  }
  try {
    loadConfig(effective);
    r.check(true);
  } catch (error) {
    r.fail(`${cname}: the app's config schema rejects the wired values: ${error.message.replace(/\n\s*/g, ' ')}`);
  }

  // Ports and probes
  const ports = container.ports ?? [];
  const portVariable = component === 'api' ? 'PORT' : 'WORKER_PORT';
  const expectedPort = Number(effective[portVariable]);
  r.check(
    ports.some((p) => p.containerPort === expectedPort),
    `${cname}: no containerPort ${expectedPort} (${portVariable})`,
  );
  const resolvePort = (port) => (typeof port === 'number' ? port : ports.find((p) => p.name === port)?.containerPort);
  const probe = (kind, path) => {
    const p = container[kind];
    if (!r.check(p?.httpGet, `${cname}: ${kind} must be an httpGet probe`)) return;
    r.check(p.httpGet.path === path, `${cname}: ${kind} path is ${p.httpGet.path}, expected ${path}`);
    r.check(resolvePort(p.httpGet.port) === expectedPort, `${cname}: ${kind} port does not resolve to ${expectedPort}`);
  };
  probe('livenessProbe', '/health');
  probe('readinessProbe', '/health/deep');
  if (container.startupProbe) probe('startupProbe', '/health');
  r.check(
    (container.readinessProbe?.timeoutSeconds ?? 1) >= 2,
    `${cname}: readiness timeoutSeconds must cover the 1.5 s dependency checks`,
  );

  // Resources
  const res = container.resources ?? {};
  r.check(res.requests?.cpu && res.requests?.memory, `${cname}: resources.requests cpu and memory are required`);
  r.check(res.limits?.memory, `${cname}: resources.limits.memory is required`);

  // Container security context
  const sc = container.securityContext ?? {};
  r.check(sc.allowPrivilegeEscalation === false, `${cname}: allowPrivilegeEscalation must be false`);
  r.check(sc.readOnlyRootFilesystem === true, `${cname}: readOnlyRootFilesystem must be true`);
  r.check(sc.runAsNonRoot === true || psc.runAsNonRoot === true, `${cname}: runAsNonRoot must be true`);
  r.check((sc.capabilities?.drop ?? []).includes('ALL'), `${cname}: capabilities.drop must include ALL`);
  r.check(!sc.privileged, `${cname}: must not be privileged`);
  const tmp = (container.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
  r.check(
    tmp && (pod.volumes ?? []).some((v) => v.name === tmp.name && v.emptyDir),
    `${cname}: /tmp must be an emptyDir (read-only root)`,
  );

  // Shutdown: preStop (API) + SHUTDOWN_GRACE_MS must fit in terminationGracePeriodSeconds.
  const graceMs = Number(effective.SHUTDOWN_GRACE_MS);
  const preStop = container.lifecycle?.preStop;
  const preStopSeconds =
    preStop?.sleep?.seconds ?? (preStop?.exec?.command?.[0] === 'sleep' ? Number(preStop.exec.command[1]) : 0);
  if (component === 'api') {
    r.check(preStopSeconds >= 5, `${cname}: needs a preStop sleep (>= 5 s) so endpoints are removed before draining`);
  }
  const termination = pod.terminationGracePeriodSeconds ?? 30;
  r.check(
    termination * 1000 >= preStopSeconds * 1000 + graceMs + 5000,
    `${cname}: terminationGracePeriodSeconds ${termination} s < preStop ${preStopSeconds} s + SHUTDOWN_GRACE_MS ${graceMs} ms + 5 s margin`,
  );

  // Prometheus scrape annotations
  const annotations = spec.template.metadata.annotations ?? {};
  r.check(annotations['prometheus.io/scrape'] === 'true', `${name}: prometheus.io/scrape annotation missing`);
  r.check(
    Number(annotations['prometheus.io/port']) === expectedPort,
    `${name}: prometheus.io/port must be ${expectedPort}`,
  );
  r.check(annotations['prometheus.io/path'] === '/metrics', `${name}: prometheus.io/path must be /metrics`);

  // Autoscaling
  if (hpa) {
    r.check(
      hpa.spec.minReplicas >= 2,
      `HPA/${hpa.metadata.name}: minReplicas must be >= 2 (one replica is no redundancy)`,
    );
    r.check(
      hpa.spec.maxReplicas > hpa.spec.minReplicas,
      `HPA/${hpa.metadata.name}: maxReplicas must exceed minReplicas`,
    );
    const metrics = hpa.spec.metrics ?? [];
    if (component === 'api') {
      r.check(
        metrics.some((m) => m.type === 'Resource' && m.resource?.name === 'cpu'),
        `HPA/${hpa.metadata.name}: the API scales on CPU`,
      );
    } else {
      const queueMetric = metrics.find(
        (m) =>
          (m.type === 'External' && m.external?.metric?.name === 'queue_depth') ||
          (m.type === 'Pods' && m.pods?.metric?.name === 'queue_depth'),
      );
      r.check(queueMetric, `HPA/${hpa.metadata.name}: the worker scales on the queue_depth metric`);
    }
  }

  // Disruption budget
  const pdbs = of('PodDisruptionBudget').filter((p) => matches(p.spec?.selector?.matchLabels, podLabels));
  r.check(pdbs.length === 1, `${name}: expected exactly one PodDisruptionBudget, found ${pdbs.length}`);
  for (const pdb of pdbs) {
    const min = hpa?.spec?.minReplicas ?? 1;
    if (pdb.spec.minAvailable !== undefined) {
      r.check(
        Number(pdb.spec.minAvailable) < min,
        `PDB/${pdb.metadata.name}: minAvailable ${pdb.spec.minAvailable} would block every drain at ${min} replicas`,
      );
    } else {
      r.check(Number(pdb.spec.maxUnavailable) >= 1, `PDB/${pdb.metadata.name}: maxUnavailable must be >= 1`);
    }
  }
}

// --- the storefront (optional component): static files on nginx, no app configuration -------------------
if (storefront) {
  const name = `Deployment/${storefront.metadata.name}`;
  const spec = storefront.spec;
  const pod = spec.template.spec;
  const podLabels = spec.template.metadata.labels;
  r.check(matches(spec.selector?.matchLabels, podLabels), `${name}: selector does not match the pod labels`);
  r.check(pod.automountServiceAccountToken === false, `${name}: automountServiceAccountToken must be false`);
  r.check(pod.enableServiceLinks === false, `${name}: enableServiceLinks must be false`);
  const psc = pod.securityContext ?? {};
  r.check(psc.runAsNonRoot === true && psc.runAsUser > 0, `${name}: must run as a non-root uid`);
  r.check(psc.seccompProfile?.type === 'RuntimeDefault', `${name}: seccompProfile must be RuntimeDefault`);
  r.check(!hpaFor(storefront.metadata.name), `${name}: no HPA expected (static files; replicas are fixed)`);
  r.check(spec.replicas >= 2, `${name}: replicas must be >= 2 (one replica is no redundancy)`);
  r.check(spec.strategy?.rollingUpdate?.maxUnavailable === 0, `${name}: rollingUpdate.maxUnavailable must be 0`);
  r.check(pod.containers?.length === 1, `${name}: expected exactly one container`);
  const c = pod.containers?.[0] ?? {};
  r.check(
    /^[^:]+(:[^:]+|@sha256:[0-9a-f]{64})$/.test(c.image ?? '') && !/:latest$/.test(c.image),
    `${name}: image "${c.image}" must be pinned to a tag or digest (not latest)`,
  );
  r.check(!c.env && !c.envFrom, `${name}: the storefront takes no configuration from the environment`);
  const port = c.ports?.find((p) => p.name === 'http')?.containerPort;
  r.check(port === 8080, `${name}: containerPort http must be 8080 (infra/nginx/storefront.conf)`);
  for (const kind of ['livenessProbe', 'readinessProbe']) {
    const probe = c[kind]?.httpGet;
    r.check(
      probe?.path === '/storefront-health' && (probe.port === 'http' || probe.port === 8080),
      `${name}: ${kind} must GET /storefront-health on http`,
    );
  }
  const res = c.resources ?? {};
  r.check(res.requests?.cpu && res.requests?.memory && res.limits?.memory, `${name}: requests and a memory limit`);
  const sc = c.securityContext ?? {};
  r.check(sc.allowPrivilegeEscalation === false, `${name}: allowPrivilegeEscalation must be false`);
  r.check(sc.readOnlyRootFilesystem === true, `${name}: readOnlyRootFilesystem must be true`);
  r.check((sc.capabilities?.drop ?? []).includes('ALL'), `${name}: capabilities.drop must include ALL`);
  const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
  r.check(
    tmp && (pod.volumes ?? []).some((v) => v.name === tmp.name && v.emptyDir),
    `${name}: /tmp must be an emptyDir (read-only root)`,
  );
  const pdbs = of('PodDisruptionBudget').filter((p) => matches(p.spec?.selector?.matchLabels, podLabels));
  r.check(
    pdbs.length === 1 && Number(pdbs[0].spec.minAvailable ?? 0) < spec.replicas,
    `${name}: expected one PodDisruptionBudget that lets a drain proceed`,
  );
  r.check(
    of('NetworkPolicy').some((np) => matches(np.spec?.podSelector?.matchLabels, podLabels)),
    `${name}: no NetworkPolicy selects its pods`,
  );
}

// --- Services, Ingress, NetworkPolicies ------------------------------------------------------------------
const services = of('Service');
for (const service of services) {
  const targets = deployments.filter((d) => matches(service.spec?.selector, d.spec.template.metadata.labels));
  if (
    !r.check(targets.length === 1, `Service/${service.metadata.name}: selector matches ${targets.length} Deployments`)
  )
    continue;
  const ports = targets[0].spec.template.spec.containers.flatMap((c) => c.ports ?? []);
  for (const port of service.spec.ports ?? []) {
    const ok =
      typeof port.targetPort === 'string'
        ? ports.some((p) => p.name === port.targetPort)
        : ports.some((p) => p.containerPort === (port.targetPort ?? port.port));
    r.check(ok, `Service/${service.metadata.name}: targetPort ${port.targetPort} is not a container port`);
  }
}
for (const hpa of hpas) {
  r.check(
    hpa.spec.scaleTargetRef && deployments.some((d) => d.metadata.name === hpa.spec.scaleTargetRef.name),
    `HPA/${hpa.metadata.name}: scaleTargetRef is not a rendered Deployment`,
  );
}
for (const ingress of of('Ingress')) {
  r.check((ingress.spec.tls ?? []).length > 0, `Ingress/${ingress.metadata.name}: TLS is required`);
  for (const rule of ingress.spec.rules ?? []) {
    r.check(
      (ingress.spec.tls ?? []).some((t) => (t.hosts ?? []).includes(rule.host)),
      `Ingress/${ingress.metadata.name}: host ${rule.host} has no TLS`,
    );
    for (const path of rule.http?.paths ?? []) {
      // `/` is the storefront's (its nginx serves files only); on the API it would expose /metrics.
      const toStorefront = storefront && path.backend?.service?.name === 'simple-shop-storefront';
      r.check(
        !/^\/metrics/.test(path.path) && (path.path !== '/' || toStorefront),
        `Ingress/${ingress.metadata.name}: path ${path.path} exposes /metrics to the internet`,
      );
      r.check(
        !(path.path === '/health' && path.pathType === 'Prefix'),
        `Ingress/${ingress.metadata.name}: /health as a Prefix exposes /health/deep`,
      );
      const svc = services.find((s) => s.metadata.name === path.backend?.service?.name);
      if (!r.check(svc, `Ingress/${ingress.metadata.name}: backend ${path.backend?.service?.name} is not a Service`))
        continue;
      const port = path.backend.service.port;
      r.check(
        (svc.spec.ports ?? []).some((p) => p.name === port.name || p.port === port.number),
        `Ingress/${ingress.metadata.name}: backend port not on Service/${svc.metadata.name}`,
      );
      const target = deployments.find((d) => matches(svc.spec.selector, d.spec.template.metadata.labels));
      r.check(
        target === byComponent.api || (target === storefront && path.path === '/' && path.pathType === 'Prefix'),
        `Ingress/${ingress.metadata.name}: ${path.path} routes to something other than the API (or / to the storefront)`,
      );
    }
  }
}
if (storefront) {
  r.check(
    of('Ingress').every((ingress) =>
      (ingress.spec.rules ?? []).some((rule) =>
        (rule.http?.paths ?? []).some(
          (path) => path.path === '/' && path.backend?.service?.name === 'simple-shop-storefront',
        ),
      ),
    ),
    'the storefront component must route / to simple-shop-storefront on the Ingress',
  );
}
for (const policy of of('NetworkPolicy')) {
  r.check(
    deployments.some((d) => matches(policy.spec?.podSelector?.matchLabels, d.spec.template.metadata.labels)),
    `NetworkPolicy/${policy.metadata.name}: selects no Deployment's pods`,
  );
}

// --- prometheus-adapter rule behind the worker HPA --------------------------------------------------------
const adapter = readYaml('infra/k8s/prometheus-adapter/values.yaml');
const externalNames = new Map();
for (const rule of adapter?.rules?.external ?? []) {
  const name = rule.name?.as ?? rule.seriesQuery?.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)/)?.[1];
  externalNames.set(name, rule);
}
for (const hpa of hpas) {
  for (const metric of hpa.spec.metrics ?? []) {
    if (metric.type !== 'External') continue;
    const rule = externalNames.get(metric.external.metric.name);
    if (
      !r.check(
        rule,
        `HPA/${hpa.metadata.name}: external metric ${metric.external.metric.name} has no prometheus-adapter rule`,
      )
    )
      continue;
    r.check(
      /^\s*max\(/.test(rule.metricsQuery ?? ''),
      `prometheus-adapter rule ${metric.external.metric.name}: every replica reports the same depth, so metricsQuery must use max(), not sum()`,
    );
    r.check(
      rule.resources?.overrides?.namespace,
      `prometheus-adapter rule ${metric.external.metric.name}: needs the namespace override`,
    );
    for (const label of Object.keys(metric.external.metric.selector?.matchLabels ?? {})) {
      r.check(
        new RegExp(`\\b${label}\\b`).test(rule.metricsQuery),
        `prometheus-adapter rule: metricsQuery drops label ${label} the HPA selects on`,
      );
    }
  }
}

function placeholderSecret(variable) {
  // Shapes the schema accepts, so the check validates the ConfigMap values around them.
  return {
    JWT_SECRET: 'x'.repeat(48),
    STRIPE_SECRET_KEY: 'sk_live_placeholder',
    // As long as a real endpoint secret: production refuses the short development ones.
    STRIPE_WEBHOOK_SECRET: `whsec_${'0'.repeat(32)}`,
    SMTP_URL: 'smtp://user:pass@smtp.example.com:587',
    MONGODB_URI: 'mongodb+srv://user:pass@cluster.example.net/?retryWrites=true&w=majority',
    REDIS_URL: 'rediss://default:pass@redis.example.net:6380',
  }[variable];
}

r.done();
