#!/usr/bin/env bash
# Times SoX's single pink-noise bed against Sonora's full layered scene, 10 minutes each, as
# 48 kHz stereo WAV. Reports wall and CPU (user+sys) seconds and x realtime. CPU time is the fair
# figure on a busy machine; wall time includes waiting for the disk and for other processes.
#
# With INSTRUCTIONS=1 it also counts instructions per frame under valgrind (one minute each):
# slow, but the same on a busy machine as on an idle one, so it compares runs across days.
#
# With PACKS=1 it also times every built-in pack on its own (`PACK=name` for the example).
#
# Usage: daemon/engine/bench/compare-sox.sh [OUT_DIR]   (default: /dev/shm if present, else /tmp)
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-$( [ -d /dev/shm ] && echo /dev/shm || echo /tmp )}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
command -v sox >/dev/null || { echo "sox not found (apt-get install sox)"; exit 1; }
cargo build --release -q -p sonora-engine --example render
bin="$CARGO_TARGET_DIR/release/examples/render"

measure() { # label, command...
    local label=$1; shift
    local tf; tf=$(mktemp)
    /usr/bin/time -o "$tf" -f "%e %U %S" "$@" >/dev/null 2>&1
    read -r wall user sys <"$tf"
    rm -f "$tf"
    awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" 'BEGIN {
        c = u + s; printf "%-28s wall %6.2f s (%5.0fx)   cpu %6.2f s (%5.0fx)\n", l, w, 600 / w, c, 600 / c }'
}

echo "600 s of 48 kHz stereo into $out; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
measure "sox pinknoise (1 layer)" sox -n -r 48000 -c 2 "$out/sox.wav" synth 600 pinknoise
for o in calm focus sleep; do
    measure "sonora $o (full scene)" "$bin" "$o" 10 1 "$out/sonora-$o.wav"
done
if [ "${PACKS:-0}" = 1 ]; then
    # Every built-in pack (all its layers that suit its first outcome), tense opening.
    for dir in packs/*/; do
        p=$(basename "$dir")
        o=$(sed -n 's/^outcomes = \["\([a-z]*\)".*/\1/p' "$dir/pack.toml")
        PACK=$p measure "sonora $p ($o)" "$bin" "$o" 10 1 "$out/sonora-$p.wav" 0.8 0.2 0.8
        rm -f "$out/sonora-$p.wav"
    done
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$out/sox.wav" "$out"/sonora-*.wav

if [ "${INSTRUCTIONS:-0}" = 1 ]; then
    command -v valgrind >/dev/null || { echo "valgrind not found (apt-get install valgrind)"; exit 1; }
    count() { # label, command...
        local label=$1; shift
        local n
        n=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
            awk '/refs:/ { gsub(",", "", $NF); print $NF }')
        awk -v l="$label" -v n="$n" 'BEGIN { printf "%-28s %6.0f instructions/frame\n", l, n / 2880000 }'
    }
    echo "instructions per frame, 60 s of 48 kHz stereo each (callgrind):"
    count "sox pinknoise (1 layer)" sox -n -r 48000 -c 2 "$out/sox.wav" synth 60 pinknoise
    for o in calm focus sleep; do
        count "sonora $o (full scene)" "$bin" "$o" 1 1 "$out/sonora-$o.wav"
    done
    rm -f "$out/sox.wav" "$out"/sonora-*.wav
fi
