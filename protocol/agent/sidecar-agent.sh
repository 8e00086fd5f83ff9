#!/bin/sh
# spark-sidecar shared-volume agent, protocol v1 (see protocol/PROTOCOL.md), in POSIX sh.
# Runs under busybox sh and dash; needs only: mv rm mkdir find wc sleep (fractional) or usleep,
# sha256sum or cksum, and optionally setsid (to kill a command's whole process group).
#
#   sidecar-agent.sh --volume DIR [--concurrency N] [--legacy] [--client-timeout-ms MS] \
#                    [--grace-ms MS] -- COMMAND [ARGS...]
#
# --concurrency N          requests run at once (default 2)
# --client-timeout-ms MS   the client counts as gone when client/heartbeat has not changed for MS
#                          (default 120000, Spark's spark.network.timeout default; keep it well
#                          above any executor GC pause or SIGSTOP). client/closed stops at once.
# --grace-ms MS            SIGTERM, then SIGKILL after MS, for cancelled or stopped commands
#                          (default 1000); announced in agent/info as grace_ms.
# Without the flags, SIDECAR_CLIENT_TIMEOUT_MS and SIDECAR_GRACE_MS from the environment (the
# plugin sets both in every sidecar container) replace the defaults.
#
# Images COPY this file and use it as their entrypoint. The command runs once per request with
# its working directory set to requests/<id>/ and SIDECAR_IN / SIDECAR_OUT / SIDECAR_REQUEST_ID /
# SIDECAR_REQUEST_DIR in its environment; stdout and stderr go to requests/<id>/log.
set -u
# What the agent and its command create stays writable by the volume's group: the executor, as
# another uid sharing that group, must be able to clean up (PROTOCOL.md section 2).
umask 002

usage() {
  echo "usage: sidecar-agent.sh --volume DIR [--concurrency N] [--legacy] [--client-timeout-ms MS (default 120000)] [--grace-ms MS (default 1000)] -- COMMAND [ARGS...]" >&2
  exit 2
}
die_usage() { echo "sidecar-agent: $*" >&2; usage; }
need_number() { case "$2" in ''|*[!0-9]*) die_usage "$1 needs a whole number, got '$2'";; esac; }

VOL=; CONC=2; LEGACY=0; CLIENT_TIMEOUT_MS=120000; GRACE_MS=1000
# the plugin puts its settings in every container's environment, so an image that starts this
# agent itself gets the same liveness and grace as an injected one; flags still win
if [ -n "${SIDECAR_CLIENT_TIMEOUT_MS:-}" ]; then need_number SIDECAR_CLIENT_TIMEOUT_MS "$SIDECAR_CLIENT_TIMEOUT_MS"; CLIENT_TIMEOUT_MS=$SIDECAR_CLIENT_TIMEOUT_MS; fi
if [ -n "${SIDECAR_GRACE_MS:-}" ]; then need_number SIDECAR_GRACE_MS "$SIDECAR_GRACE_MS"; GRACE_MS=$SIDECAR_GRACE_MS; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --volume) [ $# -ge 2 ] || die_usage "--volume needs a value"; VOL=$2; shift 2 ;;
    --concurrency) [ $# -ge 2 ] || die_usage "--concurrency needs a value"; need_number --concurrency "$2"; CONC=$2; shift 2 ;;
    --legacy) LEGACY=1; shift ;;
    --client-timeout-ms) [ $# -ge 2 ] || die_usage "--client-timeout-ms needs a value"; need_number --client-timeout-ms "$2"; CLIENT_TIMEOUT_MS=$2; shift 2 ;;
    --grace-ms) [ $# -ge 2 ] || die_usage "--grace-ms needs a value"; need_number --grace-ms "$2"; GRACE_MS=$2; shift 2 ;;
    --) shift; break ;;
    *) die_usage "unknown option '$1'" ;;
  esac
done
[ -n "$VOL" ] || die_usage "--volume is required"
[ $# -gt 0 ] || die_usage "no command given after '--'"
[ "$CONC" -ge 1 ] || die_usage "--concurrency must be >= 1, got $CONC"
[ "$CLIENT_TIMEOUT_MS" -ge 1 ] || die_usage "--client-timeout-ms must be >= 1, got $CLIENT_TIMEOUT_MS"
case "$VOL" in /*) ;; *) VOL=$(pwd)/$VOL ;; esac

TICK_MS=20
if sleep 0.02 2>/dev/null; then nap() { sleep 0.02; }
elif command -v usleep >/dev/null 2>&1; then nap() { usleep 20000; }
else TICK_MS=1000; nap() { sleep 1; }
fi
# The grace is slept in one piece (not counted in ticks, which would stretch it): with whole-second
# sleep only, it is rounded up to seconds, and that is the grace announced in agent/info.
if [ "$TICK_MS" = 1000 ]; then
  GRACE_MS=$(( (GRACE_MS + 999) / 1000 * 1000 )); GRACE_SLEEP=$(( GRACE_MS / 1000 ))
else
  GRACE_SLEEP=$(( GRACE_MS / 1000 )).$(( GRACE_MS % 1000 / 100 ))$(( GRACE_MS % 100 / 10 ))$(( GRACE_MS % 10 ))
fi
if [ -n "$(date +%s%3N 2>/dev/null | sed -n '/^[0-9]\{13,\}$/p')" ]; then now_ms() { date +%s%3N; }
else now_ms() { echo "$(( $(date +%s) * 1000 ))"; }
fi
if command -v sha256sum >/dev/null 2>&1; then ALGO=sha256; else ALGO=cksum; fi
if command -v setsid >/dev/null 2>&1; then SETSID=setsid; else SETSID=; fi
CR=$(printf '\r')
AGENT_PID=$$
say() { echo "sidecar-agent: $*" >&2; }

# ---- legacy flag mode (PROTOCOL.md section 8): one hand-off per life ---------------------------
if [ "$LEGACY" = 1 ]; then
  mkdir -p "$VOL" && cd "$VOL" || exit 1
  while [ ! -e start_flag ]; do nap; done
  ( export SIDECAR_IN="$VOL" SIDECAR_OUT="$VOL"; exec "$@" ) >> logfile 2>&1 < /dev/null
  rc=$?
  echo "exit=$rc" > .done_flag.tmp && mv -f .done_flag.tmp done_flag
  while [ ! -e close_flag ]; do nap; done
  exit 0
fi

# ---- names (PROTOCOL.md section 3) ----------------------------------------------------------
valid_id() {
  case "$1" in [A-Za-z0-9]*) ;; *) return 1 ;; esac
  case "$1" in *[!A-Za-z0-9._-]*) return 1 ;; esac
  [ "${#1}" -le 128 ]
}
# Prints why $1 is not a valid name and succeeds; fails (prints nothing) when it is valid.
name_problem() {
  case "$1" in
    '') echo "name is empty" ;;
    /*) echo "absolute paths are refused" ;;
    *\\*|*"$CR"*) echo "NUL, backslash, CR and LF are refused" ;;
    *) case "/$1/" in
         *//*) echo "empty path component" ;;
         */../*) echo "'..' leaves the request directory" ;;
         */.*) echo "components starting with '.' are reserved" ;;
         *) return 1 ;;
       esac ;;
  esac
}
# Succeeds when no component of $2 below directory $1 (nor $1 itself) is a symbolic link.
no_links() {
  _p=$1
  [ -L "$_p" ] && return 1
  _old=$IFS; IFS=/; set -f
  set -- $2
  IFS=$_old; set +f
  for _c in "$@"; do _p=$_p/$_c; [ -L "$_p" ] && return 1; done
  return 0
}

# ---- one request (runs in a background subshell) ----------------------------------------------
write_done() { # status exit error  (uses id, d, started; appends $d/.manifest when status=ok)
  _tmp=$VOL/done/.$id.tmp.$$
  {
    echo "protocol=1"; echo "id=$id"; echo "status=$1"; echo "exit=$2"
    echo "started=$started"; echo "finished=$(now_ms)"; printf 'error=%s\n' "$3"
    if [ -f "$d/log" ]; then echo "log_bytes=$(( $(wc -c < "$d/log") ))"; else echo "log_bytes=0"; fi
    if [ "$1" = ok ] && [ -f "$d/.manifest" ]; then cat "$d/.manifest"; fi
  } > "$_tmp" && mv -f "$_tmp" "$VOL/done/$id"
  [ -d "$d" ] || rm -f "$VOL/done/$id"   # the client already gave up and cleaned up
  [ "$1" = ok ] || echo "sidecar-agent: request $id $1: $3" >> "$d/log" 2>/dev/null
}

checksum() { # file -> "<algo>:<hex>"
  if [ "$ALGO" = sha256 ]; then
    set -- $(sha256sum < "$1"); echo "sha256:$1"
  else
    set -- $(cksum < "$1"); echo "cksum:$(printf '%08x' "$1")"
  fi
}

# Builds $d/.manifest from out/; prints the refusal and fails on a link or special file.
build_manifest() {
  : > "$d/.manifest"
  _bad=$(cd "$d/out" && find . \( -name '.*' ! -name . \) -prune -o \( -type l -o \( ! -type f ! -type d \) \) -print | head -n 1)
  if [ -n "$_bad" ]; then
    _bad=${_bad#./}
    if [ -L "$d/out/$_bad" ]; then echo "output '$_bad' is a symbolic link; refused"; else echo "output '$_bad' is not a regular file; refused"; fi
    return 1
  fi
  (cd "$d/out" && find . \( -name '.*' ! -name . \) -prune -o -type f -print) > "$d/.outputs" || { echo "cannot list outputs"; return 1; }
  while IFS= read -r _f; do
    _f=${_f#./}
    if _why=$(name_problem "$_f"); then echo "output '$_f' refused: $_why"; return 1; fi
    [ -f "$d/out/$_f" ] || { echo "output '$_f' refused: unlistable name"; return 1; }
    echo "output=$(( $(wc -c < "$d/out/$_f") )) $(checksum "$d/out/$_f") $_f" >> "$d/.manifest"
  done < "$d/.outputs"
  return 0
}

handle() { # id COMMAND...
  id=$1; shift
  d=$VOL/requests/$id
  started=$(now_ms)
  err=; proto=; expect=
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      protocol=*) proto=${line#protocol=} ;;
      input=*)
        v=${line#input=}; size=${v%% *}; name=${v#* }
        if why=$(name_problem "$name"); then err="request $id: refused name '$name': $why"; break; fi
        if ! no_links "$d/in" "$name"; then err="request $id: refused '$name': a symbolic link"; break; fi
        if [ ! -f "$d/in/$name" ]; then err="request $id: input '$name' is missing or not a regular file"; break; fi
        actual=$(( $(wc -c < "$d/in/$name") ))
        if [ "$actual" != "$size" ]; then err="request $id: input '$name' has $actual bytes, the start marker announced $size"; break; fi ;;
      expect=*)
        name=${line#expect=}
        if why=$(name_problem "$name"); then err="request $id: refused name '$name': $why"; break; fi
        expect="$expect$name
" ;;
    esac
  done < "$d/claimed"
  [ -z "$err" ] && [ "$proto" != 1 ] && err="request $id: unsupported protocol '$proto'"
  if [ -n "$err" ]; then write_done rejected -1 "$err"; rm -f "$RUN/$id"; return; fi

  mkdir -p "$d/out"
  (
    cd "$d" || exit 125
    export SIDECAR_REQUEST_ID="$id" SIDECAR_REQUEST_DIR="$d" SIDECAR_IN="$d/in" SIDECAR_OUT="$d/out"
    exec $SETSID "$@"
  ) >> "$d/log" 2>&1 < /dev/null &
  cpid=$!
  echo "$cpid" > "$RUN/$id"
  wait "$cpid"
  rc=$?
  if [ -e "$RUN/.stopping" ] || ! kill -0 "$AGENT_PID" 2>/dev/null; then rm -f "$RUN/$id"; return; fi
  if [ -e "$d/cancel" ]; then
    write_done cancelled -1 "cancelled by the client"
  elif ! why=$(build_manifest); then
    write_done failed "$rc" "$why"
  elif [ "$rc" != 0 ]; then
    case "$rc" in
      127) why="command not found (exit 127)" ;;
      126) why="command not executable (exit 126)" ;;
      *) if [ "$rc" -gt 128 ]; then why="command killed by signal $((rc - 128)) (exit $rc)"; else why="command exited with $rc"; fi ;;
    esac
    write_done failed "$rc" "$why"
  else
    missing=
    _old=$IFS; IFS='
'
    for e in $expect; do [ -f "$d/out/$e" ] || { missing=$e; break; }; done
    IFS=$_old
    if [ -n "$missing" ]; then write_done failed 0 "declared output '$missing' missing"; else write_done ok 0 ""; fi
  fi
  rm -f "$RUN/$id"
}

# ---- the main loop --------------------------------------------------------------------------
RUN=$VOL/agent/.run
mkdir -p "$VOL/agent" "$VOL/client" "$VOL/requests" "$VOL/queue" "$VOL/done" "$RUN" || { say "cannot prepare volume $VOL"; exit 1; }
[ -e "$VOL/PROTOCOL" ] || { echo 1 > "$VOL/.PROTOCOL.tmp" && mv -f "$VOL/.PROTOCOL.tmp" "$VOL/PROTOCOL"; }
rm -f "$VOL/agent/stopped" "$RUN/.stopping" "$RUN"/* 2>/dev/null

for _d in "$VOL"/requests/*; do # PROTOCOL.md section 6 "Restart"
  [ -e "$_d/claimed" ] || continue
  id=${_d##*/}; d=$_d; started=$(now_ms)
  [ -e "$VOL/done/$id" ] || write_done failed -1 "agent restarted while the request was running"
done

{ echo "protocol=1"; echo "agent=sh"; echo "pid=$$"; echo "concurrency=$CONC"; echo "mode=requests"
  echo "grace_ms=$GRACE_MS"; echo "client_timeout_ms=$CLIENT_TIMEOUT_MS"; } > "$VOL/agent/.info.tmp" \
  && mv -f "$VOL/agent/.info.tmp" "$VOL/agent/info"

heartbeat() {
  _n=0
  while kill -0 "$AGENT_PID" 2>/dev/null && [ ! -e "$RUN/.stopping" ]; do
    _n=$((_n + 1))
    echo "$_n" > "$VOL/agent/.heartbeat.tmp" && mv -f "$VOL/agent/.heartbeat.tmp" "$VOL/agent/heartbeat"
    if [ "$TICK_MS" = 1000 ]; then sleep 1; else sleep 0.2 2>/dev/null || usleep 200000; fi
  done
}
heartbeat &
HB_PID=$!

JOBS=        # "id:pid ..." of running handlers
NJOBS=0
KILLED=      # ids whose command group was already signalled

kill_group() { # pid-of-command-group
  if [ -n "$SETSID" ]; then kill -TERM "-$1" 2>/dev/null; else kill -TERM "$1" 2>/dev/null; fi
  ( if [ "$TICK_MS" = 1000 ]; then sleep "$GRACE_SLEEP"; else sleep "$GRACE_SLEEP" 2>/dev/null || usleep "$((GRACE_MS * 1000))"; fi
    if [ -n "$SETSID" ]; then kill -KILL "-$1" 2>/dev/null; else kill -KILL "$1" 2>/dev/null; fi ) &
}

reap() { # drops finished handlers; signals commands of cancelled or vanished requests
  _keep=; NJOBS=0
  for _j in $JOBS; do
    _id=${_j%%:*}; _pid=${_j#*:}
    if [ ! -e "$RUN/$_id" ]; then wait "$_pid" 2>/dev/null; continue; fi
    _keep="$_keep $_j"; NJOBS=$((NJOBS + 1))
    if [ -e "$VOL/requests/$_id/cancel" ] || [ ! -d "$VOL/requests/$_id" ]; then
      case " $KILLED " in *" $_id "*) ;; *)
        read -r _cp < "$RUN/$_id" 2>/dev/null && [ -n "$_cp" ] && { kill_group "$_cp"; KILLED="$KILLED $_id"; } ;;
      esac
    fi
  done
  JOBS=$_keep
}

schedule() { # claims queued requests while slots are free (PROTOCOL.md section 5 step 4)
  for _q in "$VOL"/queue/*; do
    [ -e "$_q" ] || continue
    [ "$NJOBS" -lt "$CONC" ] || return 0
    _id=${_q##*/}
    case "$_id" in .*) continue ;; esac
    case " $JOBS " in *" $_id:"*) continue ;; esac
    if ! valid_id "$_id"; then say "dropping queue entry with invalid id '$_id'"; rm -f "$_q"; continue; fi
    _d=$VOL/requests/$_id
    if [ -e "$_d/claimed" ] || [ -e "$VOL/done/$_id" ]; then
      say "request $_id was started twice; the duplicate start is dropped"; rm -f "$_q"; continue
    fi
    [ -d "$_d" ] || { rm -f "$_q"; continue; }
    mv "$_q" "$_d/claimed" 2>/dev/null || continue
    : > "$RUN/$_id"
    handle "$_id" "$@" &
    JOBS="$JOBS $_id:$!"; NJOBS=$((NJOBS + 1))
  done
}

stop() { # reason [exit status: 0, or 128 + the signal that stopped the agent]
  : > "$RUN/.stopping"
  for _j in $JOBS; do
    _id=${_j%%:*}
    read -r _cp < "$RUN/$_id" 2>/dev/null && [ -n "$_cp" ] && kill_group "$_cp"
  done
  for _j in $JOBS; do wait "${_j#*:}" 2>/dev/null; done
  if [ "$CLIENT_GONE" = 1 ]; then
    for _j in $JOBS; do rm -rf "$VOL/requests/${_j%%:*}" "$VOL/done/${_j%%:*}"; done
    for _q in "$VOL"/queue/*; do [ -e "$_q" ] || continue; rm -rf "$VOL/requests/${_q##*/}" "$_q"; done
  fi
  printf 'reason=%s\n' "$1" > "$VOL/agent/.stopped.tmp" && mv -f "$VOL/agent/.stopped.tmp" "$VOL/agent/stopped"
  kill "$HB_PID" 2>/dev/null
  say "stopped: $1"
  exit "${2:-0}"
}
CLIENT_GONE=0
trap 'stop "the agent was terminated by a signal" 143' TERM
trap 'stop "the agent was terminated by a signal" 130' INT

# Client liveness (PROTOCOL.md section 6) by content change, counted in ticks: never early.
LIMIT=$(( CLIENT_TIMEOUT_MS / TICK_MS )); SEEN=0; LAST_HB=; QUIET=0
while :; do
  if [ ! -d "$VOL/queue" ]; then stop "the volume $VOL vanished"; fi
  if [ -e "$VOL/client/closed" ]; then CLIENT_GONE=1; stop "the client closed the volume"; fi
  if [ -e "$VOL/client/heartbeat" ]; then
    read -r _hb < "$VOL/client/heartbeat" 2>/dev/null || _hb=$LAST_HB
    if [ "$SEEN" = 0 ] || [ "$_hb" != "$LAST_HB" ]; then SEEN=1; LAST_HB=$_hb; QUIET=0; else QUIET=$((QUIET + 1)); fi
    if [ "$QUIET" -gt "$LIMIT" ]; then CLIENT_GONE=1; stop "the client heartbeat stopped changing for ${CLIENT_TIMEOUT_MS} ms: the client is gone"; fi
  fi
  reap
  schedule "$@"
  nap
done
