# guardrail — Nagios/NRPE/Icinga check plugins for security compliance.
SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/guardrail-monitoring/guardrail/internal/plugin.Version=$(VERSION)
CHECKS := $(notdir $(wildcard checks/check_*))
BIN := bin

# Debian packages the tests run against: real apt/check_apt, snmpd, the kernel's
# iptables/nftables, nrpe, icinga2, lintian for the package, hyperfine for bench;
# rpm/rpmbuild, dnf (with its versionlock plugin) and createrepo_c for the RPM
# hosts; needrestart for restarts and the kernel; promtool (prometheus) for
# OpenMetrics; distro-info-data for end-of-life dates; systemd-analyze for the
# timer examples, netbase for /etc/protocols; zchunk and zstd make the
# Fedora-style .zck metadata the reader is checked against.
TEST_DEBS := apt monitoring-plugins-basic snmpd snmp iproute2 iptables nftables ipset \
	nagios-nrpe-server nagios-nrpe-plugin icinga2 lintian hyperfine time sudo rpm \
	dnf python3-dnf dnf-plugins-core createrepo-c bzip2 needrestart prometheus distro-info-data systemd netbase \
	libzypp1722 zypper-common libaugeas0 libreadline8 libxml2 zchunk zstd

# zypper is the reference for SUSE hosts, but Debian's zypper and
# dnf-plugins-core both ship /usr/bin/needs-restarting and cannot be
# installed together: zypper's own binary is unpacked from its package
# (its libraries are in TEST_DEBS) into bin/zypper, put first on the
# tests' PATH.
ZYPPER_DIR := $(CURDIR)/$(BIN)/zypper

export CGO_ENABLED := 0

.PHONY: all build run test lint deps unit integration fuzz bench package clean
all: build

build:
	@mkdir -p $(BIN)
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./checks/...

# The suite's main job on this host, with built-in defaults (no policy file needed).
run: build
	-$(BIN)/check_security_updates --state-file $${TMPDIR:-/tmp}/guardrail-security-updates.json -v

# Installs what the tests need (as root: Debian packages; always: Go modules),
# then runs every test, the real-daemon ones included (they must not skip).
test: deps lint
	PATH=$(ZYPPER_DIR)/usr/bin:$$PATH GUARDRAIL_INTEGRATION=require $(GO) test -count=1 -timeout 40m ./...

# staticcheck, pinned; installed into bin/tools so a second run reuses it.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(CURDIR)/$(BIN)/tools/staticcheck
lint:
	$(GO) vet ./...
	@[ -x $(STATICCHECK) ] && $(STATICCHECK) -version | grep -q '($(STATICCHECK_VERSION:v%=%))' || \
		GOBIN=$(CURDIR)/$(BIN)/tools CGO_ENABLED=0 $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(STATICCHECK) ./...

deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		missing=$$(for p in $(TEST_DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
		if [ -n "$$missing" ]; then \
			echo "installing Debian packages:" $$missing; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
		fi; \
		{ [ -n "$$(ls /var/lib/apt/lists/*Packages* 2>/dev/null)" ] && [ -z "$$(find /var/lib/apt/lists -maxdepth 1 -name '*InRelease' -mmin +720 2>/dev/null)" ]; } || apt-get update -qq; \
		if [ ! -x $(ZYPPER_DIR)/usr/bin/zypper ]; then \
			rm -rf $(ZYPPER_DIR).tmp && mkdir -p $(ZYPPER_DIR).tmp && \
			(cd $(ZYPPER_DIR).tmp && apt-get download -qq zypper 2>/dev/null && dpkg-deb -x zypper_*.deb root) && \
			rm -f $(ZYPPER_DIR).tmp/root/usr/bin/needs-restarting && \
			rm -rf $(ZYPPER_DIR) && mv $(ZYPPER_DIR).tmp/root $(ZYPPER_DIR) && rm -rf $(ZYPPER_DIR).tmp; \
		fi; \
	else echo "not root: Debian test packages not installed; real-daemon tests will skip"; fi
	$(GO) mod download

# Unit tests only: no packages, no root.
unit:
	$(GO) test -count=1 ./...

# Short fuzzing of every parser (FUZZTIME per target). Minimising a new
# crasher or interesting input may take at most FUZZMINIMIZE, so the budget
# goes to fuzzing (the default, 60 s, ate whole budgets). Go 1.26's fuzz
# coordinator can end a clean run with a bare "context deadline exceeded"
# at the -fuzztime boundary (go.dev/issue/75804, fixed in Go 1.27): a run
# that fails so and wrote no failing input is run once more; a failing
# input written is always a failure.
FUZZTIME ?= 20s
FUZZMINIMIZE ?= 2s
fuzz:
	@for pkg in $$($(GO) list ./internal/...); do \
		dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
		for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			for try in 1 2; do \
				echo "== $$pkg $$t"; before=$$(ls $$dir/testdata/fuzz/$$t 2>/dev/null | wc -l); \
				out=$$($(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) $$pkg 2>&1); rc=$$?; \
				echo "$$out" | tail -3; \
				[ $$rc = 0 ] && break; \
				after=$$(ls $$dir/testdata/fuzz/$$t 2>/dev/null | wc -l); \
				if [ $$try = 1 ] && [ "$$after" = "$$before" ] && echo "$$out" | grep -q '^    context deadline exceeded$$'; then \
					echo "   (Go's fuzz coordinator stopped on its own deadline, no failing input: once more)"; continue; \
				fi; \
				echo "$$out"; exit 1; \
			done; \
		done; \
	done

bench: deps build
	PATH=$(ZYPPER_DIR)/usr/bin:$$PATH $(GO) test -run '^$$' -bench . -benchmem ./internal/...
	GUARDRAIL_BENCH=1 $(GO) test -count=1 -run '^TestWholeProcess' -v ./checks/... | grep -v '^=== RUN'


# make package, make man: see packaging/package.mk
-include packaging/package.mk

clean:
	rm -rf $(BIN) dist
