#!/usr/bin/env bash
# Builds every image the tests and the demo need, with no registry: FROM scratch + static busybox.
# Idempotent: skips an image that exists and was built from the same context (its files, the sh
# agent and busybox, hashed into a label), so a changed agent or Dockerfile is never left stale.
# FORCE=1 rebuilds all. Used by .ci/test and by the ITs' setup.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}
if ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked' && ! ldd "$busybox" 2>&1 | grep -q 'not a dynamic'; then
  echo "images/build.sh: $busybox is not a static busybox (apt-get install busybox-static)" >&2
  exit 1
fi
build() { # name dir
  local name=$1 dir=$2 ctx sum have
  ctx=$(mktemp -d)
  cp -r "$here/$dir/." "$ctx/"
  cp "$busybox" "$ctx/busybox"
  cp "$here/../protocol/agent/sidecar-agent.sh" "$ctx/sidecar-agent.sh"
  sum=$(cd "$ctx" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
  have=$(docker image inspect -f '{{ index .Config.Labels "io.sparksidecar.context" }}' "$name" 2>/dev/null || true)
  if [ -z "${FORCE:-}" ] && [ "$have" = "$sum" ]; then
    echo "images: have $name"
    rm -rf "$ctx"
    return
  fi
  if ! docker build -q --label "io.sparksidecar.context=$sum" -t "$name" "$ctx" > "$ctx.log" 2>&1; then
    cat "$ctx.log" >&2
    echo "images/build.sh: building $name from images/$dir failed" >&2
    exit 1
  fi
  rm -rf "$ctx" "$ctx.log"
  echo "images: built $name"
}
# names pinned here and in io.sparksidecar.plugin.it.TestImages
build spark-sidecar/busybox:1 busybox
build spark-sidecar/busybox-root:1 busybox-root
build spark-sidecar/hello-server:1 hello-server
build spark-sidecar/dd-cli:1 dd-cli
build spark-sidecar/legacy-flags:1 legacy-flags
build spark-sidecar/fruit-count:1 fruit-count
