#!/bin/sh
# guardrail postinst (deb: "configure"; rpm: %post): the state directory
# belongs to the user the plugins run as under NRPE and Nagios, so
# check_security_updates can remember first-seen times; root otherwise.
# An admin's dpkg-statoverride for the directory wins.
set -e
case "$1" in
configure|1|2)
	if command -v dpkg-statoverride >/dev/null 2>&1 &&
		dpkg-statoverride --list /var/lib/guardrail >/dev/null 2>&1; then
		exit 0
	fi
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
