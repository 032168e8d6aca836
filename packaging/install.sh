#!/bin/sh
# Install Sonora: binaries, helper scripts, the systemd user unit and D-Bus activation file (with
# real paths filled in), the tray's autostart entry, menu entry and icons, Sonora's window
# (sonora-app) and its launcher, shell completions, man pages and sound packs.
#
# Usage: packaging/install.sh [--bins DIR] [--no-tray] [--uninstall] [--help]
#
#   PREFIX   where to install (default: ~/.local, a per-user install that needs no root).
#            Use PREFIX=/usr/local (as root) for everyone on the machine.
#   DESTDIR  staging root for packagers: files go to $DESTDIR$PREFIX/..., while the paths written
#            *into* files (the unit's ExecStart=, the autostart Exec=) stay $PREFIX/...
#   --bins DIR   copy sonorad, sonoractl, sonora-tray and sonora-app from DIR instead of building them with
#                `cargo build --release` (for a release archive, or target/debug in tests).
#   --no-tray    skip sonora-tray, sonora-app and their desktop entries (they need GTK; the daemon
#                does not).
#   --uninstall  remove what an earlier run with the same PREFIX/DESTDIR installed (listed in
#                $PREFIX/share/sonora/install-manifest.txt); settings and history are kept.
#
# It installs files only. To run the daemon with every login afterwards:
#   sonoractl service install        (or: systemctl --user enable --now sonorad.service)
# Layout and desktop setup: docs/desktop.md.
set -eu

PREFIX=${PREFIX:-$HOME/.local}
DESTDIR=${DESTDIR:-}
BINS=
TRAY=1
UNINSTALL=0
while [ $# -gt 0 ]; do
    case $1 in
        --bins) BINS=${2:?--bins needs a folder}; shift 2 ;;
        --no-tray) TRAY=0; shift ;;
        --uninstall) UNINSTALL=1; shift ;;
        -h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

case $PREFIX in
    /*) ;;
    *) echo "install.sh: PREFIX must be an absolute path, got '$PREFIX'" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
root=$DESTDIR$PREFIX

bindir=$PREFIX/bin
datadir=$PREFIX/share
# The per-user systemd manager reads $XDG_DATA_HOME/systemd/user (so ~/.local/share/...), and
# the system-wide one /usr/local/share and /usr/share; /usr/lib is the distribution's place.
case $PREFIX in
    /usr) unitdir_default=$PREFIX/lib/systemd/user ;;
    *) unitdir_default=$datadir/systemd/user ;;
esac
unitdir=${SYSTEMD_USER_UNIT_DIR:-$unitdir_default}
# Autostart entries: per user in ~/.config/autostart, for everyone in /etc/xdg/autostart.
case $PREFIX in
    "$HOME"|"$HOME"/*) autostartdir=${XDG_CONFIG_HOME:-$HOME/.config}/autostart ;;
    *) autostartdir=/etc/xdg/autostart ;;
esac
manifest=$DESTDIR$datadir/sonora/install-manifest.txt

say() { printf '%s\n' "$*"; }

if [ "$UNINSTALL" = 1 ]; then
    if [ ! -f "$manifest" ]; then
        echo "install.sh: nothing recorded at $manifest; was Sonora installed with this PREFIX?" >&2
        exit 1
    fi
    while IFS= read -r f; do
        [ -n "$f" ] || continue
        if [ -e "$DESTDIR$f" ] || [ -L "$DESTDIR$f" ]; then
            rm -rf -- "$DESTDIR$f" && say "removed $DESTDIR$f"
        fi
    done < "$manifest"
    rm -f -- "$manifest"
    say "Sonora is uninstalled from $PREFIX. Your settings (~/.config/sonora) and history (~/.local/share/sonora) are kept."
    say "If you enabled the service: sonoractl service uninstall (before removing sonoractl) or systemctl --user disable sonorad.service"
    exit 0
fi

installed=""
record() { installed="$installed$1
"; }

# put MODE SRC DEST: install one file, recording DEST (without DESTDIR) in the manifest.
put() {
    mkdir -p "$(dirname "$DESTDIR$3")"
    cp "$2" "$DESTDIR$3.tmp.$$" && chmod "$1" "$DESTDIR$3.tmp.$$" && mv -f "$DESTDIR$3.tmp.$$" "$DESTDIR$3"
    record "$3"
    say "  $DESTDIR$3"
}

# subst MODE SRC DEST: like put, with the template's @bindir@ and @home@ filled in.
sed_escape() { printf '%s' "$1" | sed 's/[#&\\]/\\&/g'; }
subst() {
    tmp=$(mktemp)
    sed -e "s#@bindir@#$(sed_escape "$bindir")#g" -e "s#@home@#$(sed_escape "$HOME")#g" "$2" > "$tmp"
    put "$1" "$tmp" "$3"
    rm -f "$tmp"
}

bins="sonorad sonoractl"
[ "$TRAY" = 1 ] && bins="$bins sonora-tray sonora-app"

if [ -z "$BINS" ]; then
    command -v cargo >/dev/null 2>&1 || {
        echo "install.sh: cargo is needed to build Sonora (https://rustup.rs), or pass --bins DIR" >&2
        exit 1
    }
    pkgs="-p sonorad -p sonoractl"
    [ "$TRAY" = 1 ] && pkgs="$pkgs -p sonora-tray -p sonora-app"
    say "Building $bins (release)..."
    # shellcheck disable=SC2086 # word splitting of the -p list is intended
    (cd "$repo" && cargo build --release --locked $pkgs)
    BINS=${CARGO_TARGET_DIR:-$repo/target}/release
fi

say "Installing Sonora into $root"
say "Programs:"
for b in $bins; do
    [ -x "$BINS/$b" ] || { echo "install.sh: $BINS/$b is missing (build it, or use --no-tray for the tray)" >&2; exit 1; }
    put 755 "$BINS/$b" "$bindir/$b"
done
for s in "$repo"/ctl/scripts/sonora-*; do
    put 755 "$s" "$bindir/$(basename "$s")"
done

say "Service files (ExecStart=$bindir/sonorad):"
subst 644 "$repo/systemd/sonorad.service" "$unitdir/sonorad.service"
subst 644 "$repo/systemd/org.sonora.Sonora1.service" "$datadir/dbus-1/services/org.sonora.Sonora1.service"
# Not loaded from here: `sonoractl service install` writes the user's own copy on macOS.
subst 644 "$repo/launchd/org.sonora.sonorad.plist" "$datadir/sonora/launchd/org.sonora.sonorad.plist"

say "Desktop entries:"
# MPRIS names "sonora" as its desktop entry: media widgets take the name and icon from it.
subst 644 "$here/sonora.desktop" "$datadir/applications/sonora.desktop"
if [ "$TRAY" = 1 ]; then
    tmp=$(mktemp)
    sed "s#^Exec=sonora-tray#Exec=$(sed_escape "$bindir")/sonora-tray#" "$repo/tray/sonora-tray.desktop" > "$tmp"
    put 644 "$tmp" "$autostartdir/sonora-tray.desktop"
    sed "s#^Exec=sonora-tray#Exec=$(sed_escape "$bindir")/sonora-tray#" "$here/sonora-tray.desktop" > "$tmp"
    put 644 "$tmp" "$datadir/applications/sonora-tray.desktop"
    rm -f "$tmp"
    # The window's launcher, named after its application id (org.sonora.App).
    subst 644 "$here/org.sonora.App.desktop" "$datadir/applications/org.sonora.App.desktop"
fi

if [ "$TRAY" = 1 ]; then
    say "Icons (the tray's own picture, drawn by sonora-tray at each size):"
    tmp=$(mktemp)
    for size in 16 22 24 32 48 64 128 256; do
        "$BINS/sonora-tray" --write-icon "$size" "$tmp"
        put 644 "$tmp" "$datadir/icons/hicolor/${size}x${size}/apps/sonora.png"
    done
    rm -f "$tmp"
    # The MPRIS identity entry shows the same picture once it is installed.
    tmp=$(mktemp)
    sed 's#^Icon=audio-x-generic$#Icon=sonora#' "$DESTDIR$datadir/applications/sonora.desktop" > "$tmp"
    put 644 "$tmp" "$datadir/applications/sonora.desktop"
    rm -f "$tmp"
fi

say "Completions and man pages:"
ctl=$BINS/sonoractl
tmpdir=$(mktemp -d)
"$ctl" completions bash > "$tmpdir/sonoractl"
"$ctl" completions zsh > "$tmpdir/_sonoractl"
"$ctl" completions fish > "$tmpdir/sonoractl.fish"
put 644 "$tmpdir/sonoractl" "$datadir/bash-completion/completions/sonoractl"
# zsh reads site-functions under /usr/local and ~/.local; a distribution's are vendor-completions.
case $PREFIX in
    /usr) zshdir=$datadir/zsh/vendor-completions ;;
    *) zshdir=$datadir/zsh/site-functions ;;
esac
put 644 "$tmpdir/_sonoractl" "$zshdir/_sonoractl"
put 644 "$tmpdir/sonoractl.fish" "$datadir/fish/vendor_completions.d/sonoractl.fish"
"$ctl" manpage "$tmpdir/man" > /dev/null
for m in "$tmpdir"/man/*.1; do
    put 644 "$m" "$datadir/man/man1/$(basename "$m")"
done
rm -rf "$tmpdir"

say "Sound packs:"
for p in "$repo"/packs/*/; do
    name=$(basename "$p")
    for f in "$p"*; do
        [ -f "$f" ] && put 644 "$f" "$datadir/sonora/packs/$name/$(basename "$f")"
    done
done
put 644 "$repo/packs/README.md" "$datadir/sonora/packs/README.md"

mkdir -p "$(dirname "$manifest")"
printf '%s' "$installed" | sort -u > "$manifest"
say "Recorded the list of files in $manifest (used by --uninstall)."
say ""
say "Done. Next steps:"
case ":${PATH}:" in
    *":$bindir:"*) ;;
    *) say "  - add $bindir to your PATH" ;;
esac
say "  - start the daemon with every login: sonoractl service install"
say "  - keep it running after you log out (optional): loginctl enable-linger \$USER"
say "  - keyboard shortcuts, media keys and hooks: docs/desktop.md"
