#!/usr/bin/env bash
# A private PulseAudio for Sonora's tests, with null sinks sonora_test (the default output) and
# sonora_mic, and the virtual microphone sonora_vmic fed from sonora_mic's monitor (the default
# input). Same devices and interface as tests/services/pipewire.sh.
#
#   tests/services/pulseaudio.sh start DIR   # runtime dir DIR/run, socket DIR/run/pulse/native
#   tests/services/pulseaudio.sh stop DIR [SIGNAL]   # default TERM; KILL to simulate a crash
#
# Everything lives under DIR, so it never meets a desktop's sound server or another test's.
# DBUS_SESSION_BUS_ADDRESS, if set, should be a private bus (PulseAudio registers a name on it).
set -euo pipefail
cmd=${1:?usage: pulseaudio.sh start|stop DIR [SIGNAL]}
DIR=$(realpath -m "${2:?usage: pulseaudio.sh start|stop DIR [SIGNAL]}")
export XDG_RUNTIME_DIR=$DIR/run XDG_CONFIG_HOME=$DIR/config HOME=$DIR/home
export PULSE_SERVER=unix:$XDG_RUNTIME_DIR/pulse/native

# shellcheck source=tests/services/common.sh
. "$(dirname "$0")/common.sh"

case $cmd in
start)
  mkdir -p "$XDG_RUNTIME_DIR/pulse" "$XDG_CONFIG_HOME" "$HOME"
  chmod 700 "$XDG_RUNTIME_DIR"
  rm -f "$XDG_RUNTIME_DIR/pulse/native" "$DIR/pids"
  cat > "$DIR/pulse.pa" <<PA
load-module module-native-protocol-unix auth-anonymous=1 socket=$XDG_RUNTIME_DIR/pulse/native
load-module module-null-sink sink_name=sonora_test sink_properties=device.description=SonoraTest
load-module module-null-sink sink_name=sonora_mic sink_properties=device.description=SonoraMicFeed
load-module module-virtual-source source_name=sonora_vmic master=sonora_mic.monitor source_properties=device.description=SonoraVirtualMic
set-default-sink sonora_test
set-default-source sonora_vmic
PA
  pulseaudio --daemonize=no --use-pid-file=no -n -F "$DIR/pulse.pa" --exit-idle-time=-1 \
    --log-target=file:"$DIR/pulse.log" >/dev/null 2>&1 & echo $! >>"$DIR/pids"
  wait_for 10 pactl info
  start_idle_readers
  ;;
stop)
  stop_recorded "${3:-TERM}"
  ;;
*) echo "usage: pulseaudio.sh start|stop DIR [SIGNAL]" >&2; exit 2 ;;
esac
