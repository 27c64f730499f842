# Packaging targets, included by the top-level Makefile (GO, VERSION, LDFLAGS
# come from there).
#   make package   static binaries for $(ARCHS), man pages, .deb/.rpm in $(DIST)
#   make man       gzipped man pages in $(DIST)/man
# The Icinga 2 CheckCommands are committed; regenerate them with
#   go run ./packaging/gen
# nfpm is built from source at a pinned version (no downloaded binaries).
# v2.46.0 and later need go.digitalxero.dev modules, which the module proxy
# does not serve: v2.45.0 is the newest that builds.

GO ?= go
NFPM_VERSION ?= v2.45.0
DIST ?= dist
NFPM ?= $(abspath $(DIST))/.tools/nfpm-$(NFPM_VERSION)/nfpm
ARCHS ?= amd64 arm64
FORMATS ?= deb rpm
# Debian and RPM versions must start with a digit and may not hold '-':
# v1.2.0-3-gabc1234-dirty -> 1.2.0+3.gabc1234.dirty; an untagged tree gives
# 0.0.0+git.abc1234[+dirty].
# Computed once, at parse time like LDFLAGS, so the package and -V agree even
# if HEAD moves during the build.
ifndef PKG_VERSION
PKG_VERSION := $(shell printf '%s' '$(VERSION)' | sed -E -e 's/^v([0-9])/\1/' \
	-e '/^[0-9]+\./!s/^/0.0.0+git./' -e 's/-/+/' -e 's/-/./g' -e 's/[^A-Za-z0-9.+~]/./g')
endif

.PHONY: man package-binaries package-changelog package-nfpm

man:
	$(GO) run ./packaging/gen -icinga2 '' -man $(DIST)/man

# The version comes from LDFLAGS; -buildvcs=false keeps the build independent
# of who owns the git checkout.
package-binaries:
	@set -e; for arch in $(ARCHS); do \
		echo "building $$arch binaries ($(PKG_VERSION))"; \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath -buildvcs=false -ldflags '$(LDFLAGS)' -o $(DIST)/$$arch/ ./checks/...; \
	done

package-changelog:
	@mkdir -p $(DIST)/doc
	gzip -9n -c packaging/debian/changelog > $(DIST)/doc/changelog.gz

# nfpm for the build host (not for $(ARCHS)), built from source.
package-nfpm:
	@if ! [ -x '$(NFPM)' ]; then \
		echo "building nfpm $(NFPM_VERSION)"; \
		GOOS= GOARCH= CGO_ENABLED=0 GOBIN='$(dir $(NFPM))' $(GO) install github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION); \
	fi

package: package-binaries man package-changelog package-nfpm
	@set -e; for arch in $(ARCHS); do for fmt in $(FORMATS); do \
		PKG_ARCH=$$arch PKG_VERSION='$(PKG_VERSION)' DIST='$(DIST)' \
			$(NFPM) package --config packaging/nfpm.yaml --packager $$fmt --target $(DIST)/; \
	done; done
	@ls -l $(DIST)/*.deb $(DIST)/*.rpm 2>/dev/null || true
