// Prepares Prometheus files for promtool (used by infra/validate.sh):
//   tsx infra/scripts/prom-prepare.mjs strip-annotations <alerts.yml> <out>
//     a copy of the rules without annotations: `promtool test rules` compares annotations verbatim, and
//     alerts.test.yml tests conditions and labels (the annotation templates are checked by `check rules`).
//   tsx infra/scripts/prom-prepare.mjs static-sd <prometheus-k8s.yml> <out>
//     Debian's promtool is built without Kubernetes service discovery; this swaps kubernetes_sd_configs for
//     an equivalent static_configs so promtool still checks the rest (relabelling regexes, rule files...).
import { readFileSync, writeFileSync } from 'node:fs';
import { parseYaml } from './lib/common.mjs';

const [command, input, output] = process.argv.slice(2);
const doc = parseYaml(readFileSync(input, 'utf8'));
if (command === 'strip-annotations') {
  for (const group of doc.groups ?? []) for (const rule of group.rules ?? []) delete rule.annotations;
} else if (command === 'static-sd') {
  for (const job of doc.scrape_configs ?? []) {
    if (!job.kubernetes_sd_configs) continue;
    delete job.kubernetes_sd_configs;
    job.static_configs = [{ targets: ['kubernetes-pod-placeholder:5000'] }];
  }
} else {
  console.error('usage: prom-prepare.mjs strip-annotations|static-sd <in> <out>');
  process.exit(2);
}
// JSON is valid YAML, and promtool reads it.
writeFileSync(output, JSON.stringify(doc, null, 2));
