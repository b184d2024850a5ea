#!/usr/bin/env bash
# vmfabric set-up.
#   ./install.sh pm_file image_file types_file   install, discover the hosts, start the server
#   ./install.sh                                 the demo: a 3-host lab, its guest image, 3 types
#   ./install.sh --deps-only                     only the OS packages and the .venv
#   ./install.sh --stop                          stop the server (and the demo lab)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

DEBIAN_PACKAGES=(
  python3 python3-venv python3-dev gcc pkg-config
  libvirt-daemon-system libvirt-clients libvirt-dev
  qemu-system-x86 qemu-utils
  openssh-server openssh-client
  iproute2 util-linux curl
  nginx
  cpio dosfstools mtools syslinux syslinux-common
  openipmi ipmitool tgt qemu-block-extra
)

say() { printf 'install.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

install_debian_packages() {
  local missing=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  # the lab image is built from these packages' .debs: the lists must be present
  if [ ${#missing[@]} -gt 0 ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ]; then
    [ "$(id -u)" -eq 0 ] || die "missing Debian packages (${missing[*]}); run as root"
    say "installing Debian packages: ${missing[*]:-(refreshing package lists)}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    # vmfabric runs nginx itself, as its front (service/front.py): a system nginx that the
    # package just installed and started would hold the port
    if [[ " ${missing[*]} " == *" nginx "* ]] && [ -d /run/systemd/system ]; then
      systemctl disable --now nginx.service >/dev/null 2>&1 || true
    fi
  fi
}

# The distribution's Python, not whichever python3 comes first on PATH: Debian
# builds it with profile-guided optimisation, and Ansible and the server are
# CPU-bound Python (a warm discovery run took 2.09 s on an unoptimised 3.11
# build, 1.79 s on Debian's; see README, Performance).
PYTHON="${VMFABRIC_PYTHON:-/usr/bin/python3}"

install_venv() {
  "$PYTHON" -c 'import venv' 2>/dev/null || die "no usable Python at $PYTHON (set VMFABRIC_PYTHON)"
  if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import sys; sys.exit(sys.base_prefix != sys.argv[1])' \
       "$("$PYTHON" -c 'import sys; print(sys.base_prefix)')"; then
    say "recreating .venv with $PYTHON"
    rm -rf .venv
  fi
  if [ ! -x .venv/bin/python ]; then
    say "creating .venv with $PYTHON"
    "$PYTHON" -m venv .venv
  fi
  local stamp=.venv/.vmfabric-installed
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    say "installing vmfabric and its Python dependencies into .venv"
    .venv/bin/pip install -q --upgrade pip >/dev/null
    .venv/bin/pip install -q -e '.[test]'
    touch "$stamp"
  fi
}

# the dashboard's front-end libraries (service/ui/package.json, pinned by its lock file),
# from the npm registry, once: nothing is fetched when a page loads
install_dashboard_assets() {
  [ -f service/ui/node_modules/htmx.org/dist/htmx.min.js ] && \
    [ -f service/ui/node_modules/@picocss/pico/css/pico.min.css ] && \
    [ -f service/ui/node_modules/uplot/dist/uPlot.iife.min.js ] && return
  if ! command -v npm >/dev/null; then
    say "installing Debian's npm for the dashboard's libraries"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  say "installing the dashboard's libraries (npm ci)"
  (cd service/ui && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

# `vmfabric` on the PATH: /usr/local/bin/vmfabric links to this checkout's client when there
# is none or it points nowhere any more (its checkout is gone); another checkout's is left
link_client() {
  local link=/usr/local/bin/vmfabric target="$ROOT/.venv/bin/vmfabric"
  if [ -L "$link" ] && [ ! -e "$link" ]; then
    rm -f "$link"
  fi
  if [ ! -e "$link" ] && [ ! -L "$link" ] && [ -d /usr/local/bin ]; then
    ln -s "$target" "$link"
    say "linked $link to this checkout's client"
  fi
}

install_deps() {
  install_debian_packages
  install_venv
  install_dashboard_assets
}

case "${1:-}" in
  --deps-only)
    install_deps
    ;;
  --stop)
    install_deps
    exec .venv/bin/python -m service.install "$@"
    ;;
  *)
    install_deps
    link_client
    exec .venv/bin/python -m service.install "$@"
    ;;
esac
