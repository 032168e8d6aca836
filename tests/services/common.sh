# Shared by tests/services/pulseaudio.sh and pipewire.sh (sourced, not run): waiting for a
# server, the idle readers that keep null sinks running in small blocks, and stopping everything
# a start recorded in DIR/pids.

wait_for() {
  local t=$1; shift
  for _ in $(seq $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "$(basename "$0"): timeout waiting for: $*" >&2; return 1
}

# A null sink with no low-latency reader runs in large blocks and captures lose audio: keep one
# idle reader per monitor, pinned to it (PipeWire would otherwise move a reader of the default
# sink's monitor to the new default when it changes; PulseAudio ignores the property).
start_idle_readers() {
  for m in sonora_test.monitor sonora_mic.monitor; do
    parec --latency-msec=20 --property=node.dont-reconnect=true -d "$m" >/dev/null 2>&1 & echo $! >>"$DIR/pids"
  done
}

# Stops what DIR/pids lists, last started first, with signal $1 (KILL simulates a crash).
stop_recorded() {
  local sig=$1
  [ -f "$DIR/pids" ] || return 0
  tac "$DIR/pids" | while read -r p; do kill -s "$sig" "$p" 2>/dev/null || true; done
  for p in $(cat "$DIR/pids"); do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
  rm -f "$DIR/pids"
}
