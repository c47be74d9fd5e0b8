#!/bin/sh
# Installs the Debian 12 packages vigil's tests and demo use: the real agents it runs unchanged,
# Pacemaker's crm_simulate as a reference scheduler, and the network tools for namespaces.
# Idempotent; uses sudo when not root.
set -eu
# perl-base (Essential on Debian) runs vigild's agent launcher (packages/executor/launcher).
PKGS="perl-base resource-agents pacemaker-resource-agents resource-agents-paf fence-agents pacemaker-cli-utils iproute2 iputils-ping procps psmisc apache2 curl postgresql"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "debian-deps: all present ($PKGS)"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "debian-deps: installing$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# Packages with services (apache2, postgresql) must not start them: tests start their own instances.
printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
$SUDO chmod +x /usr/sbin/policy-rc.d
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
$SUDO rm -f /usr/sbin/policy-rc.d
echo "debian-deps: done"
