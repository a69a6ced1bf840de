#!/usr/bin/env bash
# Installs the Debian packages synctur needs (only what is missing), then configures and builds,
# and makes `import synctur` work from any directory (a .pth file pointing at build/python).
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs="build-essential cmake pkg-config libfftw3-dev libeigen3-dev libtomlplusplus-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev libboost-dev librandom123-dev python3-matplotlib pybind11-dev python3-dev python3-numpy python3-pytest python3-pandas jupyter-nbconvert python3-ipykernel libopenmpi-dev openmpi-bin clang-format"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
# The Python package (build/python/synctur): one line in the system site-packages directory,
# rewritten only when it points elsewhere.
if [ -f build/python/synctur/__init__.py ]; then
  site="$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')"
  want="$(pwd)/build/python"
  if [ "$(cat "$site/synctur.pth" 2>/dev/null)" != "$want" ]; then
    $SUDO mkdir -p "$site"
    echo "$want" | $SUDO tee "$site/synctur.pth" >/dev/null
  fi
fi
