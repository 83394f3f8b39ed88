# SPDX-License-Identifier: GPL-2.0
# ackguard: build, install and test the module and ackguardctl.
#
#   make                  module (running kernel, or KVER=/KDIR=) and tool
#   sudo make install     module into /lib/modules/$(KVER)/updates, depmod,
#                         ackguardctl, man page, completion
#   sudo make dkms-install
#   make check            unit tests, builds, style and the QEMU guest suite
#   make style            checkpatch --strict on module/
#   make demo             the storm lab: a real ACK loop, then the cure
#   make bench            cost and reaction measured side by side (guest),
#                         into build/bench/ (BENCH_OUT=bench updates the
#                         committed copy, on purpose)
#   make dist             build/ackguard-$(VERSION).tar.gz from git HEAD
#   make deb              ackguard-dkms and ackguard-tools .debs in
#                         build/deb/, from the tracked files (and new ones
#                         not ignored), built in a copy: the tree stays clean
#   make check-debug      fuzz, stress, floods and the guest suites on a
#                         KASAN/lockdep kernel, on PREEMPT_RT, full-size
#                         floods on Debian's kernel (~52 min with its
#                         kernel cached, 38 min more to build it; README)

# The one version number of the tree (module, ackguardctl, dkms.conf, packages).
VERSION := $(shell cat $(CURDIR)/VERSION)
KVER ?= $(shell uname -r)
# A host without headers for its running kernel (a custom or container
# kernel) builds for the newest Debian generic kernel it has headers for.
ifeq ($(KDIR)$(wildcard /lib/modules/$(KVER)/build),)
override KVER := $(shell scripts/guest-kver.sh)
$(info ackguard: no headers for the running kernel; building for $(KVER))
endif
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
DESTDIR ?=

all: module userspace

deps:
	@scripts/deps.sh

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/module modules

userspace:
	$(MAKE) -C userspace VERSION=$(VERSION)

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR)/module INSTALL_MOD_DIR=updates \
		INSTALL_MOD_PATH=$(DESTDIR) modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

dkms-install:
	scripts/dkms-install.sh $(VERSION) $(KVER)

style:
	@scripts/style.sh

check: deps
	@scripts/check.sh

demo: deps module userspace
	@scripts/demo.sh

BENCH_OUT ?= $(CURDIR)/build/bench
bench: deps module userspace
	@BENCH_OUT=$(abspath $(BENCH_OUT)) scripts/bench.sh

dist:
	@mkdir -p build
	git archive --format=tar.gz --prefix=ackguard-$(VERSION)/ \
		-o build/ackguard-$(VERSION).tar.gz HEAD
	@echo "build/ackguard-$(VERSION).tar.gz"

deb:
	@scripts/deb.sh build/deb

check-debug: deps userspace
	@scripts/check-debug.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/module clean
	$(MAKE) -C userspace clean

.PHONY: all deps module userspace install dkms-install style check demo bench \
	check-debug clean dist deb
