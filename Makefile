# SPDX-License-Identifier: GPL-2.0
# ackguard: build, install and test the module and ackguardctl.
#
#   make                  module (running kernel, or KVER=/KDIR=) and tool
#   sudo make install     module into /lib/modules/$(KVER)/updates, depmod,
#                         ackguardctl, man page, completion, and dist/:
#                         /etc/ackguard/ackguard.conf, ackguard.service,
#                         the metrics timer
#   sudo make dkms-install
#   make module KERNEL=5.10  the module for a matrix kernel (../shared/kernels)
#   make check            unit tests, builds, style and the QEMU guest suite
#   make check-kernels    every matrix kernel: build, boot, loop, oracle
#   make style            checkpatch --strict on module/
#   make demo             the storm lab: a real ACK loop, then the cure
#                         (KERNEL=3.10: on that matrix kernel, booted)
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
# KERNEL=<matrix version> (make module KERNEL=5.10): build for a kernel of
# ../shared/kernels, extracted by scripts/kernel-tree.sh (its README).
ifneq ($(KERNEL),)
KDIR := $(shell scripts/kernel-tree.sh --kdir $(KERNEL))
KVER := $(shell scripts/kernel-tree.sh --kver $(KERNEL))
KCC := $(shell scripts/kernel-tree.sh --cc $(KERNEL))
ifeq ($(KDIR),)
$(error ackguard: no matrix kernel $(KERNEL) (scripts/kernel-tree.sh --list))
endif
endif
# The kernel to build for: KVER= (or AG_KVER=, as the test scripts name it)
# when the operator says, else the running kernel. A host without headers
# for its running kernel (a custom or container kernel) builds for the
# project's reference kernel, Debian 12's generic 6.1 (scripts/guest-kver.sh),
# and says so; never silently for whatever headers are newest.
KVER ?= $(or $(AG_KVER),$(shell uname -r))
ifeq ($(origin KVER)$(AG_KVER)$(KDIR)$(wildcard /lib/modules/$(KVER)/build),file)
override KVER := $(shell scripts/guest-kver.sh 2>/dev/null)
$(if $(KVER),,$(error ackguard: no headers for the running kernel nor Debian 6.1; pass KVER= or KDIR=))
$(info ackguard: no headers for the running kernel $(shell uname -r); building for $(KVER), the reference (KVER= for another))
endif
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
DESTDIR ?=

all: module userspace

deps:
	@scripts/deps.sh

# Objects built for one kernel must not reach another's build: module/
# remembers the tree it was built against and is cleaned when that changes.
module:
	@if [ "$$(cat module/.kdir 2>/dev/null)" != "$(KDIR)" ]; then \
		$(MAKE) -s -C $(KDIR) M=$(CURDIR)/module clean; \
		echo "$(KDIR)" >module/.kdir; \
	fi
	$(MAKE) -C $(KDIR) M=$(CURDIR)/module $(if $(filter-out gcc,$(KCC)),CC="$(KCC)") modules

userspace:
	$(MAKE) -C userspace VERSION=$(VERSION)

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR)/module INSTALL_MOD_DIR=updates \
		INSTALL_MOD_PATH=$(DESTDIR) modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(MAKE) -C dist install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

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

# every matrix kernel: build, boot, loop, oracle sample, load/unload (table)
check-kernels: deps userspace
	@scripts/check-kernels.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/module clean
	rm -f module/.kdir
	$(MAKE) -C userspace clean

.PHONY: all deps module userspace install dkms-install style check demo bench \
	check-debug check-kernels clean dist deb
