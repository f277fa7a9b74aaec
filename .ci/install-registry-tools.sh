#!/usr/bin/env bash
# Install what the registry tests need besides the Docker engine:
# - Debian's docker-registry, a real registry the tests start on loopback;
# - the docker buildx plugin, which the generated CI's tag guard uses. Debian
#   bookworm has no docker-buildx package and trixie does (a static Go binary), so
#   it is downloaded from trixie with a private apt state and unpacked, leaving the
#   host's apt sources untouched.
set -euo pipefail

MIRROR="http://deb.debian.org/debian"
KEYRING="/usr/share/keyrings/debian-archive-keyring.gpg"
PLUGIN_DIR="/usr/libexec/docker/cli-plugins"

log() {
    echo "registry-tools: $*" >&2
}

if ! command -v docker-registry >/dev/null 2>&1; then
    log "installing Debian's docker-registry"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        docker-registry
fi

if docker buildx version >/dev/null 2>&1; then
    exit 0
fi

log "installing docker-buildx from Debian trixie into $PLUGIN_DIR"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/state/lists/partial" "$work/cache/archives/partial" "$work/parts"
echo "deb [signed-by=$KEYRING] $MIRROR trixie main" >"$work/sources.list"
options=(
    "-oDir::State=$work/state"
    "-oDir::Cache=$work/cache"
    "-oDir::Etc::SourceList=$work/sources.list"
    "-oDir::Etc::SourceParts=$work/parts"
    "-oDir::Etc::Preferences=/dev/null"
    "-oDir::Etc::PreferencesParts=$work/parts"
    "-oAPT::Sandbox::User=root"
)
apt-get "${options[@]}" -q update
(cd "$work" && apt-get "${options[@]}" -q download docker-buildx/trixie)
dpkg -x "$work"/docker-buildx_*.deb "$work/root"
mkdir -p "$PLUGIN_DIR"
install -m 0755 "$work/root/usr/libexec/docker/cli-plugins/docker-buildx" "$PLUGIN_DIR/"
docker buildx version
