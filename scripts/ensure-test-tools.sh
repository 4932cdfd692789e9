#!/usr/bin/env sh
# Installs what the test suite needs beyond Java, when it is missing: Debian's chromium for
# BrowserOriginTest, and Debian's python3-prometheus-client (the Prometheus text-format parser that
# MetricsTest reads scrapes with), and the npm packages of src/test/js (the real event-bus bridge
# client, sockjs-client and playwright-core; `npm ci` from its lock file). Run by `./mvnw verify`
# (exec-maven-plugin, before the tests).
# Never fails the build: without a tool, the tests that need it are skipped, saying so.
JS="$(dirname "$0")/../src/test/js"
if [ -f "$JS/package-lock.json" ] && [ ! -d "$JS/node_modules/playwright-core" ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "ensure-test-tools: npm ci in src/test/js for the bridge and console tests"
    (cd "$JS" && npm ci --no-audit --no-fund >/dev/null 2>&1) || echo "ensure-test-tools: npm ci failed: the tests that need Node packages will be skipped"
  else
    echo "ensure-test-tools: no npm; the tests that need Node packages are skipped"
  fi
fi
missing=""
[ -x /usr/bin/chromium ] || missing="chromium"
/usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1 || missing="$missing python3-prometheus-client"
if [ -z "$missing" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-tools: no apt-get; install$missing yourself or the tests that need them are skipped"
  exit 0
fi
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
  echo "ensure-test-tools: not root and no sudo; install$missing (apt-get install -y$missing) or the tests that need them are skipped"
  exit 0
fi
echo "ensure-test-tools: installing$missing for the tests"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # one word per package
$SUDO apt-get install -y $missing >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null 2>&1 && $SUDO apt-get install -y $missing >/dev/null 2>&1; } \
  || echo "ensure-test-tools:$missing could not be installed: the tests that need them will be skipped"
exit 0
