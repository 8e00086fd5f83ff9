# spark-sidecar: runs an unchanged legacy flag-convention image (PROTOCOL.md section 8) in an
# executor pod. Such an image serves one hand-off and exits 0; in a pod nothing would start it again
# at once (the kubelet restarts with crash back-off, or never), so this loop runs the image's own
# command again in place, after clearing the flags of the hand-off it served (the image has exited,
# so it can no longer miss its close_flag). A non-zero exit ends the container with that code: the
# kubelet restarts it and the driver sees the restart. POSIX sh only.
# Usage: sh -c "$LOOP" sidecar-legacy-loop <volume root>... -- <the image's command>...
roots=""
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do roots="$roots $1"; shift; done
[ "$#" -gt 0 ] && shift
[ "$#" -gt 0 ] || { echo "sidecar-legacy-loop: no command after --" >&2; exit 64; }
child=""
trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child"; fi; exit 143' TERM INT
while :; do
  "$@" &
  child=$!
  wait "$child"
  rc=$?
  child=""
  [ "$rc" -eq 0 ] || exit "$rc"
  for r in $roots; do
    rm -f "$r/start_flag" "$r/done_flag" "$r/close_flag" "$r/logfile"
  done
done
