#!/usr/bin/env bash
# Runs one Prow job from prow/jobs/ on a local kind cluster, as Prow would run
# it, without prompting (unlike Prow's own pj-on-kind.sh).
#
# Usage: prow/pj-on-kind.sh [options] JOB BASE_REF BASE_SHA
#
#   mkpj makes the ProwJob from the job config and the refs given here (no
#   GitHub lookup); mkpod --local makes the pod, whose logs and artifacts land in
#   OUT_DIR/<job>/<build id>/ instead of GCS; volumes that are not emptyDir or
#   hostPath (secrets, in the job or its presets) become hostPaths to the files
#   given with --secret, else emptyDirs (with a warning); the pod runs on the
#   kind cluster "mkpod" (created when missing, with OUT_DIR and NODE_DIR
#   mounted into its node); its containers' logs are streamed; the exit code is
#   0 when the pod succeeded, 1 when it failed.
#
# Options:
#   --secret NAME=PATH   the job's volume NAME from a local file or folder
#                        (repeatable); a folder is mounted as is, a file under
#                        the name(s) the job reads from the volume, as pj-local
#                        does, else its own name. Also SECRET_<NAME>=PATH in the
#                        environment (NAME upper-cased, - as _:
#                        SECRET_GITHUB_TOKEN=...).
#   --pull N:SHA         for a presubmit: the pull request number and head sha
#   --pull-author LOGIN  for a presubmit: its author [$USER]
#   --repo PATH|URL      the repository, for the pj-local command printed when
#                        kind or docker is missing [from the job config]
#   --repo ORG/REPO=PATH|URL
#                        the same for a repository of the job's extra_refs
#                        (repeatable) [https://github.com/ORG/REPO.git]; on
#                        kind, clonerefs clones the extra_refs from GitHub
#   -h, --help
#
# Environment, as for Prow's pj-on-kind.sh:
#   CONFIG_PATH      Prow's config.yaml [prow/config.yaml]
#   JOB_CONFIG_PATH  the job configs [prow/jobs]
#   OUT_DIR          where logs and artifacts land [/tmp/prowjob-out]
#   NODE_DIR         a host folder mounted into the kind node at the same path;
#                    secrets are copied below it for the pod [/tmp/kind-node]
#   KIND_CONFIG      a kind config to create the cluster with, instead of ours
#   PROW_IMAGES      [us-docker.pkg.dev/k8s-infra-prow/images] (mkpj, mkpod)
#   PROW_IMAGE_TAG   [latest]
#   POD_TIMEOUT      seconds to wait for the pod to finish [7200]
#
# The job's repository, its extra_refs and the files it reads from its secret
# volumes come from `pj-local --print-job-info` (pj-local on PATH, else run
# with cargo).
#
# Needs kind, kubectl and docker with a running engine. Without them it says
# which is missing, prints the equivalent pj-local command (which runs the job
# on this machine without a cluster) and exits 1. Job images that exist in the
# local Docker engine (make images) are loaded into the kind node.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prog=prow/pj-on-kind.sh
cluster=mkpod
context=kind-$cluster

say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "error: $*"; exit 1; }
usage_error() { say "$*"; say "usage: $prog [--secret NAME=PATH]... [--pull N:SHA] JOB BASE_REF BASE_SHA (--help for more)"; exit 2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

# ------------------------------------------------------------------ arguments

secret_names=()
secret_paths=()
add_secret() {
  local name=$1 path=$2
  [[ $name =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || usage_error "--secret $name=$path: $name is not a volume name"
  [[ -e $path ]] || usage_error "--secret $name=$path: $path does not exist"
  secret_names+=("$name")
  secret_paths+=("$(cd "$(dirname "$path")" && pwd)/$(basename "$path")")
}

positional=()
pull=
pull_author=${USER:-local}
repo=
repo_sources=()
# --repo ORG/REPO=PATH|URL names a repository (as pj-local reads it); any
# other value is the job's own.
add_repo() {
  if [[ $1 =~ ^[A-Za-z0-9_-][A-Za-z0-9_.-]*/[A-Za-z0-9_-][A-Za-z0-9_.-]*= ]]; then
    repo_sources+=("$1")
  else
    repo=$1
  fi
}
while (($#)); do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --secret) (($# >= 2)) || usage_error "--secret needs NAME=PATH"; [[ $2 == *=* ]] || usage_error "--secret $2: expected NAME=PATH"
      add_secret "${2%%=*}" "${2#*=}"; shift 2 ;;
    --secret=*) v=${1#--secret=}; [[ $v == *=* ]] || usage_error "--secret $v: expected NAME=PATH"
      add_secret "${v%%=*}" "${v#*=}"; shift ;;
    --pull) (($# >= 2)) || usage_error "--pull needs N:SHA"; pull=$2; shift 2 ;;
    --pull=*) pull=${1#--pull=}; shift ;;
    --pull-author) (($# >= 2)) || usage_error "--pull-author needs a login"; pull_author=$2; shift 2 ;;
    --pull-author=*) pull_author=${1#--pull-author=}; shift ;;
    --repo) (($# >= 2)) || usage_error "--repo needs a path or URL"; add_repo "$2"; shift 2 ;;
    --repo=*) add_repo "${1#--repo=}"; shift ;;
    --) shift; positional+=("$@"); break ;;
    -*) usage_error "unknown option $1" ;;
    *) positional+=("$1"); shift ;;
  esac
done
((${#positional[@]} == 3)) || usage_error "expected JOB BASE_REF BASE_SHA, got ${#positional[@]} argument(s)"
job=${positional[0]}
base_ref=${positional[1]}
base_sha=${positional[2]}
[[ $job =~ ^[A-Za-z0-9._-]+$ ]] || usage_error "$job is not a Prow job name"
[[ $base_sha =~ ^[0-9a-f]{7,40}$ ]] || usage_error "BASE_SHA $base_sha is not a commit sha"
if [[ -n $pull && ! $pull =~ ^[0-9]+:[0-9a-f]{7,40}$ ]]; then
  usage_error "--pull $pull: expected NUMBER:SHA"
fi

# SECRET_<NAME>=PATH from the environment (the flags win).
while IFS= read -r var; do
  name=$(tr 'A-Z_' 'a-z-' <<<"${var#SECRET_}")
  [[ " ${secret_names[*]} " == *" $name "* ]] || add_secret "$name" "${!var}"
done < <(compgen -e | grep '^SECRET_[A-Z0-9_]*$' || true)

config=${CONFIG_PATH:-$root/prow/config.yaml}
job_config=${JOB_CONFIG_PATH:-$root/prow/jobs}
out_dir=${OUT_DIR:-/tmp/prowjob-out}
node_dir=${NODE_DIR:-/tmp/kind-node}
kind_config=${KIND_CONFIG:-}
prow_images=${PROW_IMAGES:-us-docker.pkg.dev/k8s-infra-prow/images}
prow_tag=${PROW_IMAGE_TAG:-latest}
pod_timeout=${POD_TIMEOUT:-7200}

# What this script needs of the job (its org/repo; the files it reads from
# each secret volume), read by pj-local as it reads jobs (presets merged):
# `pj-local --print-job-info` prints key=value lines. pj-local comes from PATH,
# else from this workspace through cargo. Read once, when first needed.
job_info=()
job_info_status=
load_job_info() {
  if [[ -z $job_info_status ]]; then
    local args=(--config "$job_config" --job "$job" --print-job-info) out
    job_info_status=1
    if command -v pj-local >/dev/null 2>&1; then
      out=$(pj-local "${args[@]}") && job_info_status=0
    elif command -v cargo >/dev/null 2>&1; then
      out=$(cargo run -q --manifest-path "$root/Cargo.toml" -p pj-local -- "${args[@]}") && job_info_status=0
    else
      say "warning: neither pj-local nor cargo is on PATH: cannot read job $job from $job_config"
    fi
    if ((job_info_status == 0)); then mapfile -t job_info <<<"$out"; fi
  fi
  return "$job_info_status"
}

# The values of KEY in the job's info, one a line.
job_info_values() {
  local key=$1 line
  for line in "${job_info[@]}"; do
    if [[ $line == "$key="* ]]; then printf '%s\n' "${line#"$key"=}"; fi
  done
}

# ------------------------------------------------------- without kind/docker

missing=()
command -v kind >/dev/null 2>&1 || missing+=("kind is not installed")
command -v kubectl >/dev/null 2>&1 || missing+=("kubectl is not installed")
if ! command -v docker >/dev/null 2>&1; then
  missing+=("docker is not installed")
elif ! docker info >/dev/null 2>&1; then
  missing+=("no Docker engine answers (docker info failed)")
fi
if ((${#missing[@]})); then
  for m in "${missing[@]}"; do say "$m"; done
  if [[ -z $repo ]]; then
    if load_job_info; then
      r=$(job_info_values repo)
      if [[ -n $r ]]; then repo=https://github.com/$r.git; fi
    else
      say "warning: job $job not read from $job_config (above); the command below has no --repo"
    fi
  fi
  cmd=(pj-local --job "$job")
  if [[ -n $repo ]]; then cmd+=(--repo "$repo"); fi
  # Each extra_refs repository needs its source: the one given, else GitHub.
  if load_job_info; then
    while IFS= read -r e; do
      [[ -n $e ]] || continue
      given=
      for s in "${repo_sources[@]}"; do [[ $s == "$e="* ]] && given=1; done
      [[ -n $given ]] || repo_sources+=("$e=https://github.com/$e.git")
    done < <(job_info_values extra_ref)
  fi
  for s in "${repo_sources[@]}"; do cmd+=(--repo "$s"); done
  cmd+=(--base-ref "$base_ref" --base-sha "$base_sha" --out "$out_dir")
  if [[ -n $pull ]]; then cmd+=(--pull "$pull"); fi
  if [[ $(cd "$job_config" 2>/dev/null && pwd) != "$root/prow/jobs" ]]; then
    cmd+=(--config "$job_config")
  fi
  for i in "${!secret_names[@]}"; do
    cmd+=(--secret "${secret_names[$i]}=${secret_paths[$i]}")
  done
  say "this needs kind, kubectl and a Docker engine; the same job runs on this machine without a cluster with:"
  printf '%q' "${cmd[0]}"
  printf ' %q' "${cmd[@]:1}"
  printf '\n'
  exit 1
fi

# Sets keys to the file names a single-file secret gets in its volume, as
# pj-local: the names the job reads below the volume's mount path (e.g.
# token.txt for /etc/github-access-token/token.txt), else the file's own name.
keys=()
secret_keys() {
  local vol=$1 path=$2 line
  keys=()
  if load_job_info; then
    for line in "${job_info[@]}"; do
      if [[ $line == "secret_file=$vol/"* ]]; then keys+=("${line#"secret_file=$vol/"}"); fi
    done
  else
    say "warning: volume $vol: the file names job $job reads are unknown; $path keeps its own name"
  fi
  if ((${#keys[@]} == 0)); then keys=("$(basename "$path")"); fi
}

# ------------------------------------------------------------------- the run

[[ -f $config ]] || die "CONFIG_PATH: no Prow config.yaml at $config (mkpj needs it: plank's default decoration config)"
[[ -d $job_config ]] || die "JOB_CONFIG_PATH: no folder $job_config"
config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")
job_config=$(cd "$job_config" && pwd)
mkdir -p "$out_dir" "$node_dir"
out_dir=$(cd "$out_dir" && pwd)
node_dir=$(cd "$node_dir" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/pj-on-kind.XXXXXX")
build_id=$(date -u +%s%3N)
secrets_dir=$node_dir/pj-on-kind/$build_id
logs_pid=
cleanup() {
  if [[ -n $logs_pid ]]; then kill "$logs_pid" 2>/dev/null || true; fi
  rm -rf "$work" "$secrets_dir"
}
trap cleanup EXIT

say "job=$job base=$base_ref:$base_sha${pull:+ pull=$pull} build id $build_id"
say "CONFIG_PATH=$config JOB_CONFIG_PATH=$job_config OUT_DIR=$out_dir NODE_DIR=$node_dir"

# The kind cluster, with OUT_DIR and NODE_DIR mounted into the node at the same
# paths (mkpod's hostPaths and our secrets are node paths).
if ! kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  if [[ -n $kind_config ]]; then
    say "creating the kind cluster $cluster from $kind_config"
    kind create cluster --name "$cluster" --config "$kind_config" --wait 5m
  else
    cat >"$work/kind.yaml" <<EOF
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
    extraMounts:
      - containerPath: $out_dir
        hostPath: $out_dir
      - containerPath: $node_dir
        hostPath: $node_dir
EOF
    say "creating the kind cluster $cluster (OUT_DIR and NODE_DIR mounted into its node)"
    kind create cluster --name "$cluster" --config "$work/kind.yaml" --wait 5m
  fi
else
  mounts=$(docker inspect --format '{{range .Mounts}}{{.Source}} {{end}}' "$cluster-control-plane" 2>/dev/null || true)
  for d in "$out_dir" "$node_dir"; do
    [[ " $mounts " == *" $d "* ]] ||
      say "warning: the existing cluster $cluster does not mount $d into its node; logs or secrets will not reach this host (kind delete cluster --name $cluster to recreate it)"
  done
fi

# The ProwJob, from the refs given (mkpj looks nothing up when they are complete).
mkpj_args=("--config-path=$config" "--job-config-path=$job_config" "--job=$job"
  "--base-ref=$base_ref" "--base-sha=$base_sha")
if [[ -n $pull ]]; then
  mkpj_args+=("--pull-number=${pull%%:*}" "--pull-sha=${pull#*:}" "--pull-author=$pull_author")
fi
docker_run=(docker run -i --rm --user "$(id -u):$(id -g)" -v "$work:$work" -w "$work")
"${docker_run[@]}" -v "$config:$config:ro" -v "$job_config:$job_config:ro" \
  "$prow_images/mkpj:$prow_tag" "${mkpj_args[@]}" </dev/null >"$work/pj.yaml" ||
  die "mkpj failed (above)"

# The pod. mkpod asks, for each volume that is neither emptyDir nor hostPath,
# what to use instead: a first run without answers lists them, the second run
# answers (a hostPath to the copied secret, or "empty").
mkpod=("${docker_run[@]}" "$prow_images/mkpod:$prow_tag" "--build-id=$build_id"
  "--prow-job=$work/pj.yaml" --local "--out-dir=$out_dir/$job")
"${mkpod[@]}" </dev/null >"$work/pod.yaml" 2>"$work/mkpod.err" || {
  cat "$work/mkpod.err" >&2
  die "mkpod failed"
}
mapfile -t volumes < <(grep -o 'Volume "[^"]*": ' "$work/mkpod.err" | sed 's/^Volume "\(.*\)": $/\1/')
if ((${#volumes[@]})); then
  answers=()
  for vol in "${volumes[@]}"; do
    path=
    for i in "${!secret_names[@]}"; do
      [[ ${secret_names[$i]} == "$vol" ]] && path=${secret_paths[$i]}
    done
    if [[ -z $path ]]; then
      say "warning: volume $vol becomes an empty folder (give --secret $vol=PATH for its content)"
      answers+=(empty)
      continue
    fi
    # Readable by the job's unprivileged users: a hostPath has no defaultMode.
    mkdir -p "$secrets_dir/$vol"
    if [[ -d $path ]]; then
      cp -R "$path/." "$secrets_dir/$vol/"
    else
      secret_keys "$vol" "$path"
      for key in "${keys[@]}"; do cp "$path" "$secrets_dir/$vol/$key"; done
    fi
    chmod -R a+rX "$secrets_dir"
    say "volume $vol: $path (copied to $secrets_dir/$vol for the pod)"
    answers+=("$secrets_dir/$vol")
  done
  printf '%s\n' "${answers[@]}" | "${mkpod[@]}" >"$work/pod.yaml" 2>"$work/mkpod.err" || {
    cat "$work/mkpod.err" >&2
    die "mkpod failed"
  }
fi

# Job images built locally (make images) are loaded into the node.
while IFS= read -r image; do
  if docker image inspect "$image" >/dev/null 2>&1; then
    say "loading the local image $image into the kind node"
    kind load docker-image --name "$cluster" "$image" >/dev/null
  fi
done < <(sed -n 's/^[ -]*image: *//p' "$work/pod.yaml" | tr -d '"'"'" | sort -u)

pod=$(kubectl --context "$context" create -f "$work/pod.yaml" -o name)
say "created $pod; logs and artifacts: $out_dir/$job/$build_id/"

# Wait for the pod to finish, streaming its containers' logs once it runs.
deadline=$(($(date +%s) + pod_timeout))
last=
phase=
while :; do
  phase=$(kubectl --context "$context" get "$pod" -o 'jsonpath={.status.phase}' 2>/dev/null || true)
  if [[ $phase != "$last" ]]; then
    say "$pod: ${phase:-pending}"
    last=$phase
  fi
  if [[ $phase == Running && -z $logs_pid ]]; then
    kubectl --context "$context" logs -f "$pod" --all-containers --prefix --max-log-requests 20 &
    logs_pid=$!
  fi
  case $phase in Succeeded | Failed) break ;; esac
  if (($(date +%s) > deadline)); then
    die "$pod did not finish within ${pod_timeout}s (kubectl --context $context describe $pod)"
  fi
  sleep 5
done
if [[ -n $logs_pid ]]; then
  wait "$logs_pid" 2>/dev/null || true
  logs_pid=
fi

kubectl --context "$context" get "$pod" \
  -o 'jsonpath={range .status.containerStatuses[*]}{.name}{": exit "}{.state.terminated.exitCode}{"\n"}{end}' >&2 || true
say "$pod $phase; logs and artifacts in $out_dir/$job/$build_id/ (kubectl --context $context delete $pod to remove it)"
[[ $phase == Succeeded ]]
