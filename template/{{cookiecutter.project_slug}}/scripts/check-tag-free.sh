#!/usr/bin/env bash
# Checks whether an image tag is still free in its registry, before CI pushes it.
#
# Usage: check-tag-free.sh IMAGE_REF release|branch
#   IMAGE_REF  the full reference to check, for example
#              ghcr.io/acme/orders-api:3.22-v24.11.1-1.4.2
#   release    this run builds a release tag (refs/tags/v*), so an existing
#              image is an error
#   branch     this run builds a branch, so an existing image means that there
#              is nothing to publish
#
# Image tags are immutable, so this script never lets CI overwrite one:
#   - The tag does not exist (the registry reports "not found" or "manifest
#     unknown"): publish=true.
#   - The tag exists and its org.opencontainers.image.revision label equals
#     $GITHUB_SHA: the same commit was published before, so this is a rerun.
#     publish=false, exit 0.
#   - The tag exists with another revision: on a release, exit 1 and ask for a
#     version bump; on a branch, publish=false with a notice.
#   - Any other failure (authentication, network, registry errors): exit 1,
#     because an unreadable registry must never count as a free tag.
#
# The result goes to $GITHUB_OUTPUT as publish=true|false when that variable is
# set, and to stdout in any case. Needs docker with the buildx plugin, logged in
# to the registry. Exit status: 0 on a result, 1 on an error, 2 on bad usage.
set -euo pipefail

usage() {
  echo "Usage: $0 IMAGE_REF release|branch" >&2
  exit 2
}

set_publish() {
  echo "publish=$1"
  if [[ -n ${GITHUB_OUTPUT:-} ]]; then
    echo "publish=$1" >>"$GITHUB_OUTPUT"
  fi
}

# Exits 0 when the existing image at $1 was built from commit $GITHUB_SHA.
built_from_current_commit() {
  local config
  if [[ -z ${GITHUB_SHA:-} ]]; then
    return 1
  fi
  # The JSON image config of every platform in the image, with its labels.
  if ! config=$(docker buildx imagetools inspect "$1" --format '{% raw %}{{json .Image}}{% endraw %}' 2>&1); then
    echo "::warning::Could not read the labels of $1, so a rerun cannot be" \
      "recognised: $config"
    return 1
  fi
  grep -Fq "\"org.opencontainers.image.revision\": \"${GITHUB_SHA}\"" <<<"$config"
}

if [[ $# -ne 2 ]]; then
  usage
fi
image_ref=$1
run_kind=$2
if [[ $run_kind != release && $run_kind != branch ]]; then
  usage
fi

if ! command -v docker >/dev/null 2>&1; then
  echo "::error::docker is not on PATH; it is needed to check whether $image_ref exists."
  exit 1
fi

if output=$(docker buildx imagetools inspect "$image_ref" 2>&1); then
  if built_from_current_commit "$image_ref"; then
    echo "::notice::$image_ref was already built from commit $GITHUB_SHA." \
      "This is a rerun, so publishing is skipped."
    set_publish false
  elif [[ $run_kind == release ]]; then
    echo "::error::$image_ref already exists; bump the version in package.json" \
      "and tag the new version."
    exit 1
  else
    echo "::notice::$image_ref already exists, so this branch build is not" \
      "published. Bump the version in package.json to publish a new image."
    set_publish false
  fi
  exit 0
fi

# Only an explicit "not found" from the registry means that the tag is free.
case ${output,,} in
*"not found"* | *manifest_unknown* | *name_unknown* | *"manifest unknown"*)
  echo "$image_ref does not exist yet; it will be published."
  set_publish true
  ;;
*)
  echo "::error::Could not check whether $image_ref exists: $output"
  exit 1
  ;;
esac
