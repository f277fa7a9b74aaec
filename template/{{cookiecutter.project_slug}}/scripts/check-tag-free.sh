#!/bin/sh
# Checks whether an image tag is still free in its registry, before CI pushes it.
#
# Usage: check-tag-free.sh [--tool buildx|docker] [--output-file FILE] IMAGE_REF KIND
#   IMAGE_REF  the full reference to check, for example
#              ghcr.io/acme/orders-api:3.22-v24.11.1-1.4.2
#   KIND       release: this run builds a release tag (vX.Y.Z), so an existing
#              image is an error
#              branch: this run builds the default branch, so an existing image
#              means that there is nothing to publish
#   --tool     how the registry is read:
#              buildx: `docker buildx imagetools inspect`, which reads the
#              registry without downloading the image. The default when the
#              buildx plugin is installed.
#              docker: `docker pull` through the Docker engine, then
#              `docker image inspect`, for a docker CLI without buildx. It
#              downloads the image when the tag exists.
#   --output-file FILE
#              append publish=true|false to FILE. Default: $GITHUB_OUTPUT,
#              the step outputs file of GitHub Actions, when it is set.
#
# Image tags are immutable, so this script never lets CI overwrite one:
#   - The registry reports that the tag does not exist: publish=true.
#   - The tag exists and its org.opencontainers.image.revision label equals the
#     commit of this run ($GITHUB_SHA on GitHub Actions, $CI_COMMIT_SHA on
#     GitLab CI): the same commit was published before, so this is a rerun.
#     publish=false, exit 0.
#   - The tag exists with another revision: on a release, exit 1 and ask for a
#     version bump; on a branch, publish=false with a notice.
#   - Any other failure (authentication, network, registry errors): exit 1,
#     because an unreadable registry must never count as a free tag.
#
# Needs docker, logged in to the registry. The result also goes to stdout as
# publish=true|false. Exit status: 0 on a result, 1 on an error, 2 on bad usage.
#
# NOTE: `docker manifest inspect` is not offered as a tool, because its "no such
# manifest" message also appears when it cannot read the registry: docker CLI
# 28.2.2 printed it for an existing tag on a plain-HTTP registry (no --insecure).
set -eu

usage() {
  echo "Usage: $0 [--tool buildx|docker] [--output-file FILE] IMAGE_REF release|branch" >&2
  exit 2
}

# Prints a message as a GitHub Actions annotation on GitHub, else as a log line.
# Warnings and errors go to stderr outside GitHub Actions.
annotate() {
  level=$1
  shift
  if [ "${GITHUB_ACTIONS:-}" = true ]; then
    echo "::$level::$*"
  elif [ "$level" = notice ]; then
    echo "$*"
  else
    echo "$level: $*" >&2
  fi
}

set_publish() {
  echo "publish=$1"
  if [ -n "$output_file" ]; then
    echo "publish=$1" >>"$output_file"
  fi
}

# Reads the tag from the registry. Exits 0 when it exists and prints the
# command's output, which contains the registry's error otherwise.
read_tag() {
  if [ "$tool" = buildx ]; then
    docker buildx imagetools inspect "$1" 2>&1
  else
    docker pull --quiet "$1" 2>&1
  fi
}

# Exits 0 when the output of a failed read_tag is the registry's explicit response
# that the tag or the repository does not exist. Error codes and messages are
# those of the OCI distribution API (MANIFEST_UNKNOWN, NAME_UNKNOWN), as the
# Docker engine passes them on, and buildx's "<ref>: not found". A bare
# "not found" elsewhere, such as a proxy's "404 page not found", is an error.
is_not_found() {
  lowercase=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
  case $lowercase in
  *"manifest unknown"* | *manifest_unknown* | *"name unknown"* | *name_unknown*)
    return 0
    ;;
  esac
  last_line=$(printf '%s\n' "$1" | tail -n 1)
  case $last_line in
  *"$image_ref: not found") return 0 ;;
  esac
  return 1
}

# Prints the org.opencontainers.image.revision labels of the existing image.
# With buildx this is the JSON image config of every platform in the image.
read_revision_labels() {
  if [ "$tool" = buildx ]; then
    docker buildx imagetools inspect "$1" --format '{% raw %}{{json .Image}}{% endraw %}'
  else
    # read_tag pulled the image, so the engine has its config.
    docker image inspect "$1" \
      --format '{% raw %}"org.opencontainers.image.revision": "{{index .Config.Labels "org.opencontainers.image.revision"}}"{% endraw %}'
  fi
}

# Exits 0 when the existing image at $1 was built from commit $revision.
built_from_current_commit() {
  if [ -z "$revision" ]; then
    return 1
  fi
  if ! labels=$(read_revision_labels "$1" 2>&1); then
    annotate warning "Could not read the labels of $1, so a rerun cannot be" \
      "recognised: $labels"
    return 1
  fi
  printf '%s\n' "$labels" |
    grep -Fq "\"org.opencontainers.image.revision\": \"$revision\""
}

tool=""
output_file=${GITHUB_OUTPUT:-}
while [ $# -gt 0 ]; do
  case $1 in
  --tool | --output-file)
    if [ $# -lt 2 ]; then
      usage
    fi
    if [ "$1" = --tool ]; then
      tool=$2
    else
      output_file=$2
    fi
    shift 2
    ;;
  -*) usage ;;
  *) break ;;
  esac
done
if [ $# -ne 2 ]; then
  usage
fi
image_ref=$1
run_kind=$2
case $run_kind in
release | branch) ;;
*) usage ;;
esac
revision=${GITHUB_SHA:-${CI_COMMIT_SHA:-}}

if ! command -v docker >/dev/null 2>&1; then
  annotate error "docker is not on PATH; it is needed to check whether $image_ref exists."
  exit 1
fi
if [ -z "$tool" ]; then
  if docker buildx version >/dev/null 2>&1; then
    tool=buildx
  else
    tool=docker
  fi
fi
case $tool in
buildx | docker) ;;
*) usage ;;
esac

if output=$(read_tag "$image_ref"); then
  if built_from_current_commit "$image_ref"; then
    annotate notice "$image_ref was already built from commit $revision." \
      "This is a rerun, so publishing is skipped."
    set_publish false
  elif [ "$run_kind" = release ]; then
    annotate error "$image_ref already exists; bump the version in package.json" \
      "and tag the new version."
    exit 1
  else
    annotate notice "$image_ref already exists, so this branch build is not" \
      "published. Bump the version in package.json to publish a new image."
    set_publish false
  fi
  exit 0
fi

if is_not_found "$output"; then
  echo "$image_ref does not exist yet; it will be published."
  set_publish true
else
  annotate error "Could not check whether $image_ref exists (tool: $tool): $output"
  exit 1
fi
