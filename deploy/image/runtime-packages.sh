#!/bin/sh
# runtime-packages.sh -- the Debian packages a set of binaries needs at run time, one a line:
# the packages that own the shared libraries each binary names (ELF NEEDED), found where
# the dynamic linker finds them. Run in the image's build stage on the installed binaries;
# the runtime stage installs exactly this list (apt adds what those libraries need).
#
#   runtime-packages.sh BINARY...
# Fails, naming it, when a library cannot be found or belongs to no package: an image
# that would start without it must not be built.
set -eu
[ "$#" -gt 0 ] || { echo "usage: $0 BINARY..." >&2; exit 2; }

# Collected in a variable, not piped into sort: an exit inside a piped loop would only
# leave the pipeline's subshell, and the script would succeed with a short list.
packages=""
for bin in "$@"; do
  dynamic=$(readelf -d "$bin") || { echo "$0: $bin: not an ELF binary" >&2; exit 1; }
  needed=$(printf '%s\n' "$dynamic" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
  for soname in $needed; do
    # ldd's "soname => /path (addr)" for this binary: the file the loader would map.
    path=$(ldd "$bin" | awk -v s="$soname" '$1 == s && $2 == "=>" { print $3; exit }')
    if [ -z "$path" ] || [ ! -e "$path" ]; then
      echo "$0: $bin: $soname not found" >&2
      exit 1
    fi
    # dpkg records a file under the path its package ships it at: /lib/... (libc6) or
    # /usr/lib/... (most others, reached through the /lib -> usr/lib symlink).
    real=$(readlink -f "$path")
    pkg=""
    for candidate in "$path" "$real" "${real#/usr}"; do
      pkg=$(dpkg-query -S "$candidate" 2>/dev/null | head -n 1 | cut -d: -f1) && [ -n "$pkg" ] && break
    done
    [ -n "$pkg" ] || { echo "$0: $bin: $path belongs to no package" >&2; exit 1; }
    packages="$packages $pkg"
  done
done
# shellcheck disable=SC2086  # one package a word
printf '%s\n' $packages | sort -u
