#!/usr/bin/env bash
# A private, headless PipeWire for Sonora's tests: pipewire, then wireplumber (the session
# manager) and pipewire-pulse (the PulseAudio protocol server, which cpal reaches through the pulse
# ALSA plugin and which pactl and parec talk to). Same devices as tests/services/pulseaudio.sh:
# null sinks sonora_test (the default output) and sonora_mic, and the virtual microphone
# sonora_vmic fed from sonora_mic's monitor (the default input).
#
#   tests/services/pipewire.sh start DIR   # runtime dir DIR/run, socket DIR/run/pulse/native
#   tests/services/pipewire.sh stop DIR [SIGNAL]   # default TERM; KILL to simulate a crash
#
# Everything lives under DIR (runtime, state and config dirs), so it never meets a desktop's
# PipeWire or another test's. It needs a session bus (DBUS_SESSION_BUS_ADDRESS; a private one: wireplumber
# and pipewire-pulse register names there): without one, loading the virtual microphone fails.
set -euo pipefail
cmd=${1:?usage: pipewire.sh start|stop DIR [SIGNAL]}
DIR=$(realpath -m "${2:?usage: pipewire.sh start|stop DIR [SIGNAL]}")
export XDG_RUNTIME_DIR=$DIR/run XDG_STATE_HOME=$DIR/state XDG_CONFIG_HOME=$DIR/config HOME=$DIR/home
export PULSE_SERVER=unix:$XDG_RUNTIME_DIR/pulse/native
unset PIPEWIRE_REMOTE PIPEWIRE_RUNTIME_DIR
export DISABLE_RTKIT=1 PIPEWIRE_LOG_SYSTEMD=false

# shellcheck source=tests/services/common.sh
. "$(dirname "$0")/common.sh"

case $cmd in
start)
  mkdir -p "$XDG_RUNTIME_DIR" "$XDG_STATE_HOME" "$XDG_CONFIG_HOME" "$HOME"
  chmod 700 "$XDG_RUNTIME_DIR"
  rm -f "$XDG_RUNTIME_DIR/pulse/native" "$DIR/pids"
  pipewire >"$DIR/pipewire.log" 2>&1 & echo $! >>"$DIR/pids"
  wait_for 10 test -S "$XDG_RUNTIME_DIR/pipewire-0"
  wireplumber >"$DIR/wireplumber.log" 2>&1 & echo $! >>"$DIR/pids"
  pipewire-pulse >"$DIR/pipewire-pulse.log" 2>&1 & echo $! >>"$DIR/pids"
  wait_for 10 pactl info
  pactl load-module module-null-sink sink_name=sonora_test rate=48000 channels=2 \
    sink_properties=device.description=SonoraTest >/dev/null
  pactl load-module module-null-sink sink_name=sonora_mic rate=48000 channels=2 \
    sink_properties=device.description=SonoraMicFeed >/dev/null
  # pipewire-pulse 0.3.65 has no module-virtual-source; module-remap-source makes a source of
  # the monitor, which is what a virtual microphone is.
  pactl load-module module-remap-source master=sonora_mic.monitor source_name=sonora_vmic \
    source_properties=device.description=SonoraVirtualMic >/dev/null
  wait_for 10 sh -c 'pactl list short sinks | grep -q sonora_test && pactl list short sources | grep -q sonora_vmic'
  pactl set-default-sink sonora_test
  pactl set-default-source sonora_vmic
  start_idle_readers
  wait_for 10 sh -c '[ "$(pactl get-default-sink)" = sonora_test ]'
  ;;
stop)
  stop_recorded "${3:-TERM}"
  ;;
*) echo "usage: pipewire.sh start|stop DIR [SIGNAL]" >&2; exit 2 ;;
esac
