// Checks that the rendered production manifests fit the images that were really built:
//   node infra/containers/check-k8s-images.mjs <rendered.yaml> <images.json>
// images.json: `podman image inspect` of the built images (an array). For each Deployment container (the API, the
// worker and, when the storefront component is rendered, the storefront):
// the image is the local one; runAsUser/runAsGroup equal the image's numeric USER; runAsNonRoot holds; the root
// filesystem is read-only and the only writable path is /tmp (an emptyDir), which is all the images need (the
// stack and check-images.sh run them that way); the container port is the one the image EXPOSEs; liveness
// probes the path of the image's HEALTHCHECK on that port; the V8 heap cap stays under the memory limit (Node
// images only: the storefront is nginx).
import { readFileSync } from 'node:fs';
import { parseAllYaml, reporter } from '../scripts/lib/common.mjs';

const [renderedFile, imagesFile] = process.argv.slice(2);
if (!renderedFile || !imagesFile) {
  console.error('usage: check-k8s-images.mjs <rendered.yaml> <images.json>');
  process.exit(2);
}
const r = reporter('k8s manifests vs images');
const docs = parseAllYaml(readFileSync(renderedFile, 'utf8'));
const images = JSON.parse(readFileSync(imagesFile, 'utf8'));

/** The image facts the manifests must agree with, by image reference (name:tag). */
function imageFacts(inspect) {
  const config = inspect.Config ?? {};
  const [uid, gid] = String(config.User ?? '').split(':');
  // podman's JSON puts the healthcheck next to Config; Docker's inside it.
  const test = (inspect.Healthcheck ?? config.Healthcheck)?.Test ?? [];
  const script = test.join(' ');
  return {
    uid: Number(uid),
    gid: Number(gid ?? uid),
    ports: Object.keys(config.ExposedPorts ?? {}).map((p) => Number.parseInt(p, 10)),
    // The Node images' HEALTHCHECK fetches 'http://127.0.0.1:'+(…)+'/health': its path is the last quoted '/…'
    // literal; the storefront's gets a plain URL (wget http://127.0.0.1:8080/storefront-health).
    healthPath: [...script.matchAll(/'(\/[a-z/]*)'/g)].pop()?.[1] ?? /https?:\/\/[^/\s]+(\/[a-z/-]*)/.exec(script)?.[1],
  };
}
const factsByRef = new Map();
for (const inspect of images) for (const ref of inspect.RepoTags ?? []) factsByRef.set(ref, imageFacts(inspect));

function bytes(quantity) {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(String(quantity));
  if (!m) return Number.NaN;
  return Number(m[1]) * { undefined: 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2]];
}

const deployments = docs.filter((d) => d.kind === 'Deployment');
const componentOf = (d) => d.spec.template.metadata.labels?.['app.kubernetes.io/component'];
const components = deployments.map(componentOf).sort().join(',');
r.check(
  components === 'api,worker' || components === 'api,storefront,worker',
  `expected the API and worker Deployments (and the storefront's), found ${components}`,
);
for (const d of deployments) {
  const name = d.metadata.name;
  const pod = d.spec.template.spec;
  const node = componentOf(d) !== 'storefront';
  for (const c of pod.containers) {
    const where = `${name}/${c.name}`;
    const facts = factsByRef.get(c.image);
    if (
      !r.check(
        facts,
        `${where}: image ${c.image} is not one of the built images (${[...factsByRef.keys()].join(', ')})`,
      )
    )
      continue;
    const sc = { ...pod.securityContext, ...c.securityContext };
    r.check(sc.runAsNonRoot === true, `${where}: runAsNonRoot must be true`);
    r.check(
      sc.runAsUser === facts.uid,
      `${where}: runAsUser ${sc.runAsUser} differs from the image's USER ${facts.uid}`,
    );
    r.check(
      sc.runAsGroup === facts.gid,
      `${where}: runAsGroup ${sc.runAsGroup} differs from the image's group ${facts.gid}`,
    );
    r.check(c.securityContext?.readOnlyRootFilesystem === true, `${where}: readOnlyRootFilesystem must be true`);
    const mounts = (c.volumeMounts ?? []).filter((m) => !m.readOnly);
    r.check(
      mounts.length === 1 && mounts[0].mountPath === '/tmp',
      `${where}: the images write only to /tmp; writable mounts are ${mounts.map((m) => m.mountPath).join(', ') || 'none'}`,
    );
    const tmp = pod.volumes?.find((v) => v.name === mounts[0]?.name);
    r.check(tmp?.emptyDir, `${where}: /tmp must be an emptyDir`);
    const port = c.ports?.find((p) => p.name === 'http')?.containerPort;
    r.check(facts.ports.includes(port), `${where}: containerPort ${port} is not EXPOSEd by the image (${facts.ports})`);
    const live = c.livenessProbe?.httpGet;
    r.check(
      live?.path === facts.healthPath,
      `${where}: liveness probes ${live?.path}, the image's HEALTHCHECK ${facts.healthPath}`,
    );
    r.check(
      live?.port === 'http' || live?.port === port,
      `${where}: liveness probe port ${live?.port} is not the app's`,
    );
    const nodeOptions = c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
    const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(nodeOptions)?.[1]);
    const limit = bytes(c.resources?.limits?.memory);
    if (node) {
      r.check(
        heapMiB > 0 && heapMiB * 1024 ** 2 < limit,
        `${where}: --max-old-space-size (${heapMiB} MiB) must be set and below the memory limit (${c.resources?.limits?.memory})`,
      );
    }
    console.log(
      `  ${where}: ${c.image} uid ${sc.runAsUser}, read-only root, /tmp emptyDir, port ${port}, liveness ${live?.path},` +
        `${node ? ` heap ${heapMiB} MiB <` : ''} limit ${c.resources?.limits?.memory}, request ${c.resources?.requests?.memory}`,
    );
  }
}
r.done();
