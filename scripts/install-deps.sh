#!/usr/bin/env bash
# Installs every Debian 12 package attnsim needs to build, test and plot.
# Idempotent: packages already present are skipped, so a second run is fast
# and needs no network.  Run as root (or with sudo available).
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config git
  clang libclang-rt-14-dev       # libFuzzer + sanitizers
  valgrind
  libyaml-dev                    # architecture / mapping / sweep specs
  libcmocka-dev                  # unit tests
  libsqlite3-dev sqlite3         # results store
  gnuplot-nox                    # reports (pngcairo, svg)
  libsystemc-dev                 # cycle-level engine
  verilator                      # RTL benches
  yosys parallel                 # area proxy, sharded sweeps
  file                           # report tests check image types
  slurmctld slurmd slurm-client munge   # the real-Slurm test (results_slurm_cluster)
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
