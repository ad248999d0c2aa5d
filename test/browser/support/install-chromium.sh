#!/usr/bin/env bash
# Debian's chromium for the browser suite, unpacked (not installed: needs no root) into
# ${FIREDRILL_CACHE_DIR:-~/.cache/firedrill}/chromium-<version>/ with every shared library the
# machine lacks and a font, behind a launcher that points the loader and fontconfig at them.
# Prints the launcher's path as its last stdout line.
#
# Warm (an install is cached): no apt call at all, well under a second. Cold: apt works out what
# `apt-get install chromium` would add to this machine, downloads exactly those packages and
# unpacks them (about 25 packages, 125 MB: 20 to 40 s here). FIREDRILL_CHROMIUM=/path/to/chromium skips
# all of it and uses that binary.
set -euo pipefail

if [[ -n "${FIREDRILL_CHROMIUM:-}" ]]; then
  echo "$FIREDRILL_CHROMIUM"
  exit 0
fi

cache_root=${FIREDRILL_CACHE_DIR:-$HOME/.cache/firedrill}
mkdir -p "$cache_root"

# What an install holds and where: bumped when that changes, so older installs are redone.
LAYOUT="layout 2"

find_installed() {
  local home
  # Any complete install will do (newest first): asking apt which version is current takes seconds.
  for home in $(ls -d "$cache_root"/chromium-*/ 2> /dev/null | sort -rV); do
    if grep -qx "$LAYOUT" "$home/.installed" 2> /dev/null && [[ -x "$home/chromium" ]]; then
      echo "${home%/}/chromium"
      return 0
    fi
  done
  return 1
}

if find_installed; then exit 0; fi

# Two suites starting at once on a cold machine: one installs, the other waits and reuses it.
exec 9> "$cache_root/.chromium.lock"
flock 9
if find_installed; then exit 0; fi

candidate() { apt-cache policy chromium 2> /dev/null | sed -n 's/^ *Candidate: *//p'; }
work=$(mktemp -d "$cache_root/.chromium-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

# Works out what `apt-get install chromium` would add to this machine (chromium, chromium-common
# and the libraries, and their libraries, not installed here; a simulation needs no root) and
# downloads exactly that into $work/debs. Sets `version`.
download() {
  version=$(candidate)
  if [[ -z "$version" || "$version" == "(none)" ]]; then
    echo "install-chromium: apt knows no chromium package. Run 'apt-get update' (as root) once, or set FIREDRILL_CHROMIUM to a chromium binary." >&2
    return 1
  fi
  rm -rf "$work/debs"
  mkdir -p "$work/debs"
  # apt-get download drops privileges to _apt when it can; the folder must be theirs to write.
  chmod 777 "$work/debs"
  local packages
  mapfile -t packages < <(apt-get install -s --no-install-recommends chromium 2> /dev/null | awk '/^Inst /{ gsub(/[()]/, "", $3); print $2 "=" $3 }')
  if ! printf '%s\n' "${packages[@]}" | grep -q '^chromium='; then
    echo "install-chromium: apt-get install -s chromium planned no chromium package (is it held or broken here?)" >&2
    return 1
  fi
  # A font for the screenshots' text, whatever the machine has; fontconfig is pointed at it below.
  packages+=(fonts-dejavu-core)
  echo "install-chromium: downloading ${#packages[@]} packages for chromium $version" >&2
  if ! (cd "$work/debs" && apt-get download -q "${packages[@]}" >&2); then
    echo "install-chromium: apt-get download failed; if it names a version the mirror no longer has, run 'apt-get update' (as root) and try again" >&2
    return 1
  fi
}

# A machine's package lists may be missing or older than the mirror (which then no longer has the
# versions they name): as root, refresh them once and try again.
if ! download; then
  [[ $(id -u) -eq 0 ]] || exit 1
  echo "install-chromium: refreshing the package lists (apt-get update) and trying again" >&2
  apt-get update -qq >&2
  download
fi

home="$cache_root/chromium-${version//[^[:alnum:].+-]/_}"
mkdir -p "$work/home/root"
for deb in "$work/debs"/*.deb; do
  dpkg-deb -x "$deb" "$work/home/root"
done

multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2> /dev/null || gcc -dumpmachine)
root="$work/home/root"
binary="usr/lib/chromium/chromium"
if [[ ! -x "$root/$binary" ]]; then
  echo "install-chromium: the chromium package has no $binary" >&2
  exit 1
fi
# Library paths are relative to the launcher; fontconfig's are absolute (it resolves a relative
# cachedir against the working directory), to where the install is moved last.
library_dirs="usr/lib/$multiarch lib/$multiarch usr/lib/chromium usr/lib/$multiarch/pulseaudio"

cat > "$work/home/fonts.conf" << EOF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<!-- Written by install-chromium.sh: the unpacked DejaVu fonts first, then the machine's. -->
<fontconfig>
  <dir>$home/root/usr/share/fonts</dir>
  <dir>/usr/share/fonts</dir>
  <cachedir>$home/fontconfig-cache</cachedir>
  <alias><family>sans-serif</family><prefer><family>DejaVu Sans</family></prefer></alias>
  <alias><family>serif</family><prefer><family>DejaVu Serif</family></prefer></alias>
  <alias><family>monospace</family><prefer><family>DejaVu Sans Mono</family></prefer></alias>
</fontconfig>
EOF

cat > "$work/home/chromium" << EOF
#!/bin/sh
# Debian's chromium $version, unpacked by test/browser/support/install-chromium.sh.
here=\$(dirname "\$(readlink -f "\$0")")
LD_LIBRARY_PATH=\$(for dir in $library_dirs; do printf '%s:' "\$here/root/\$dir"; done)\${LD_LIBRARY_PATH:-}
FONTCONFIG_FILE="\$here/fonts.conf"
export LD_LIBRARY_PATH FONTCONFIG_FILE
exec "\$here/root/$binary" "\$@"
EOF
chmod +x "$work/home/chromium"

# Every library the binary links must now resolve; name the ones that do not.
missing=$(LD_LIBRARY_PATH=$(for dir in $library_dirs; do printf '%s:' "$root/$dir"; done) ldd "$root/$binary" | awk '/not found/{ print $1 }' | sort -u)
if [[ -n "$missing" ]]; then
  echo "install-chromium: chromium still lacks these libraries after unpacking its dependencies:" $missing >&2
  exit 1
fi
"$work/home/chromium" --version >&2
printf '%s\n%s\n' "$version" "$LAYOUT" > "$work/home/.installed"
rm -rf "$home"
# Whole or not at all: a run killed mid-unpack leaves no half install behind.
mv "$work/home" "$home"
echo "$home/chromium"
