#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs every test.
#   node + npm  the OpenID test server (oauth2-mock-server, tests/node)
#   curl        plays the browser in the sign-in tests
#   tmux        runs the wizard in a real terminal (tests/tui/tmux.rs)
#   dbus + gnome-keyring  a real Secret Service for the OS-keyring tests
#   openssl     makes the client keys and certificates of the private_key_jwt tests
#   faketime    runs a Vault host whose clock is off (tests/reliability/vault_hostile.rs)
#   python3 + venv  OpenBao, mitmproxy and PyYAML go into .venv (scripts/python-tools.sh)
# With CI set, a test whose tool is missing fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for tool in node npm curl tmux openssl faketime dbus-run-session dbus-send gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    # The Debian package when it is not named as the tool.
    case "$tool" in
      node) missing+=(nodejs) ;;
      dbus-run-session) missing+=(dbus-daemon) ;;
      dbus-send) missing+=(dbus-bin) ;;
      gnome-keyring-daemon) missing+=(gnome-keyring) ;;
      *) missing+=("$tool") ;;
    esac
  fi
done
# apt_install PACKAGE…: with apt-get, as root or through sudo; otherwise say
# what to install.
apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    echo "installing $* (apt-get)" >&2
    $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "the tests need $*: install them and run this again" >&2
    exit 1
  fi
}
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
fi
# OpenBao, mitmproxy and PyYAML, in a virtual environment of this checkout.
source scripts/python-tools.sh
npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
cargo test --locked "$@"
