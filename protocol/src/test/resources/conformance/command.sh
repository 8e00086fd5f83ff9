#!/bin/sh
# The command every agent runs in the conformance suite. What it does is chosen by the input
# "mode"; it only uses SIDECAR_IN / SIDECAR_OUT so it works in v1 and in legacy mode alike.
in=${SIDECAR_IN:?}; out=${SIDECAR_OUT:?}
mode=$(cat "$in/mode")
case "$mode" in
  echo)
    echo "echo ok on stdout"
    echo "echo ok on stderr" >&2
    cat "$in/data" > "$out/result" ;;
  lines)
    n=0; while IFS= read -r line; do n=$((n + 1)); echo "$n:$line"; done < "$in/data" > "$out/result" ;;
  exit)
    code=$(cat "$in/code")
    echo "failing with $code on purpose"
    exit "$code" ;;
  nothing)
    echo "writing no output" ;;
  symlink)
    ln -s /etc/hostname "$out/link" ;;
  sleep)
    echo $$ > "$out/.pid"
    echo "partial" > "$out/result"
    echo "sleeping $(cat "$in/seconds") s"
    sleep "$(cat "$in/seconds")"
    echo "complete" >> "$out/result" ;;
  stubborn)
    # ignores SIGTERM and keeps writing into out/ until SIGKILL; a write that finds the request
    # directory gone is recorded in the witness file (a path outside the volume)
    trap '' TERM
    witness=$(cat "$in/witness")
    echo $$ > "$out/.pid"
    n=0
    while :; do
      n=$((n + 1))
      if ! echo "tick $n" >> "$out/ticks" 2>/dev/null; then echo "lost tick $n" >> "$witness"; fi
      sleep 0.05
    done ;;
  *)
    echo "unknown mode '$mode'"; exit 64 ;;
esac
