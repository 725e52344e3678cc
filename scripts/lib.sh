# Shared by scripts/demo and scripts/test: system packages and a warm cargo target directory.
# Sourced, not run.

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/coalition-target}"

# ensure_packages PKG... — installs missing Debian packages when root, otherwise says which are missing.
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing system packages: ${missing[*]}" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Missing system packages: ${missing[*]} — install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
}

# axe-core, the WCAG rules the browser test runs inside Chromium: installed once from the npm
# registry into the cargo target directory; COALITION_AXE names its script.
ensure_axe() {
  local dir="${CARGO_TARGET_DIR:-$PWD/target}/axe-core"
  local script="$dir/node_modules/axe-core/axe.min.js"
  if [ ! -f "$script" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "npm is missing (the browser test runs axe-core from the npm registry) — install it with: sudo apt-get install -y npm" >&2
      exit 1
    fi
    echo "Installing axe-core 4.14.1 from the npm registry into $dir" >&2
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --silent axe-core@4.14.1 >/dev/null
  fi
  export COALITION_AXE="$script"
}
