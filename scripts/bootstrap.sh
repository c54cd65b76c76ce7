#!/usr/bin/env bash
# Installs what ExSampling Patch needs on a fresh Debian 12 machine (as root, or with sudo), then the project's
# virtual environment in .venv. Idempotent: a second run only checks what is there.
#
#   bash scripts/bootstrap.sh        # `make run`: what the patches and the editor need, nothing more
#   bash scripts/bootstrap.sh test   # `make test`, `make bench`, `make lint`: that, plus what the tests use
#                                    # (Xvfb, libXtst, xdotool, a JACK server, Chromium and Playwright, pytest, linters)
#   bash scripts/bootstrap.sh run --list   # print what it would install, install nothing
set -euo pipefail
cd "$(dirname "$0")/.."

USE=${1:-run}
case "$USE" in run | test) ;; *) echo "usage: $0 [run|test] [--list]" >&2; exit 2 ;; esac

# The main job: audio out (PortAudio, libsndfile), the recorder's certificate (openssl), the editor's OpenGL, and
# the .venv itself: Debian's python3 leaves ensurepip to python3-venv, without which `python3 -m venv` fails
# half-way, leaving a .venv/bin/python with no pip that the next run would take for a made venv.
APT_PACKAGES=(python3 python3-venv libportaudio2 libsndfile1 openssl libgl1 libglx-mesa0 libgl1-mesa-dri)
# The tests: a virtual display and a JACK dummy server (scripts/services.sh), real mouse and keys (the editor's
# scenarios send them through XTEST themselves, loading libXtst: tests/editor/xinput.py), xdotool (only for
# tests/core/test_services.py, which asks it each display's size),
# the phone's recorder in a headless browser (chromium driven by playwright-core from npm), ffmpeg, and
# fluidsynth and lmms, which render the classifier's training notes from sound fonts and LMMS's DrumSynth presets.
if [ "$USE" = test ]; then
  APT_PACKAGES+=(xvfb xauth libxtst6 jackd2 ffmpeg chromium xdotool fluidsynth lmms)
  # nodejs and npm only where there is no npm: a Node.js from elsewhere (nodesource) brings its own npm,
  # and Debian's npm package conflicts with it.
  command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)
fi

EXTRAS=""
if [ "$USE" = test ]; then EXTRAS="[dev]"; fi
if [ "${2:-}" = --list ]; then
  echo "apt: ${APT_PACKAGES[*]}"
  echo "pip: torch .$EXTRAS"
  if [ "$USE" = test ]; then echo "npm: playwright-core (with $(command -v npm || echo 'nodejs npm'))"; fi
  exit 0
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3}
# Made again where its python has no pip: a `python3 -m venv` that failed half-way (python3-venv missing) left
# .venv/bin/python alone, which a check for the python alone took for a made venv, and `pip install` then failed.
if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  "$PY" -m venv --clear .venv
fi
# The package asks for torch>=2.3 (pyproject.toml); here it gets the CPU build, from PyTorch's CPU index (or a
# wheel that pip's own settings find first). Installed first and on its own: PyPI's torch for Linux is the CUDA
# build, with GBs of nvidia packages, and `pip install -e .` would pull it. Without its dependencies, which
# `pip install -e .` then takes from pip's usual indexes: only torch is looked up at PyTorch's (on a machine that
# cannot reach it, each package looked up there cost seconds of retries).
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
TORCH_INDEX=${TORCH_INDEX:-https://download.pytorch.org/whl/cpu}
stamp=.venv/.installed-$USE-$(cat pyproject.toml scripts/bootstrap.sh | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/python -c "import torch" 2>/dev/null \
    || .venv/bin/pip install -q --no-deps --index-url "$TORCH_INDEX" "torch==$TORCH_VERSION"
  .venv/bin/pip install -q -e ".$EXTRAS"
  # librosa's onset detection and pyin, compiled by numba now into its cache beside librosa: on a clean machine the
  # first process that used them compiled them, 20 s of CPU (a show's first take split at its onsets waited that; in
  # the test suite, each worker's first such test). Only a wait saved: where it fails, the first use compiles.
  .venv/bin/python -c "import numpy as np
from exsampling_patch.nodes.processing import estimate_pitch, onset_positions
noise = np.random.default_rng(0).standard_normal(48000).astype(np.float32) * 0.1
onset_positions(noise, 48000, 0.1, 16)
estimate_pitch(noise, 48000, 'pyin', 40.0, 2000.0, 0.5)" || echo "note: librosa not compiled ahead (see above)" >&2
  rm -f .venv/.installed-"$USE"-*
  touch "$stamp"
fi

if [ "$USE" = test ] && [ ! -d tests/browser/node_modules/playwright-core ]; then
  # playwright-core drives Debian's chromium in the browser tests (no browser download of its own).
  (cd tests/browser && npm ci --no-audit --no-fund -q)
fi
