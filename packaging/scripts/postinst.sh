#!/bin/sh
# guardrail postinst (deb: "configure"; rpm: %post): the state directory
# belongs to the user the plugins run as under NRPE and Nagios, so
# check_security_updates can remember first-seen times; root otherwise.
set -e
case "$1" in
configure|1|2)
	owner=root
	if getent passwd nagios >/dev/null 2>&1; then
		owner=nagios
	fi
	group=$(id -gn "$owner")
	chown "$owner:$group" /var/lib/guardrail
	chmod 0755 /var/lib/guardrail
	;;
esac
exit 0
