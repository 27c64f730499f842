#!/bin/sh
# guardrail postrm: purge forgets the first-seen times (deb only; rpm has no
# purge and keeps them, like its %config files).
set -e
case "$1" in
purge)
	rm -rf /var/lib/guardrail
	;;
esac
exit 0
