#!/usr/bin/env sh
# Installs what the test suite needs beyond Java, when it is missing: Debian's chromium for
# BrowserOriginTest. Run by `./mvnw verify` (exec-maven-plugin, before the tests). Never fails the
# build: without chromium that one test is skipped, saying so.
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-tools: no apt-get; install chromium yourself or BrowserOriginTest is skipped"
  exit 0
fi
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
  echo "ensure-test-tools: not root and no sudo; install chromium (apt-get install -y chromium) or BrowserOriginTest is skipped"
  exit 0
fi
echo "ensure-test-tools: installing chromium for the browser test"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y chromium >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null 2>&1 && $SUDO apt-get install -y chromium >/dev/null 2>&1; } \
  || echo "ensure-test-tools: chromium could not be installed: BrowserOriginTest will be skipped"
exit 0
