# SPDX-License-Identifier: GPL-2.0
# ackguard: build, install and test the module and ackguardctl.
#
#   make                  module (running kernel, or KVER=/KDIR=) and tool
#   sudo make install     module into /lib/modules/$(KVER)/updates, depmod,
#                         ackguardctl, man page, completion, and dist/:
#                         /etc/ackguard/ackguard.conf, ackguard.service,
#                         the metrics timer
#   sudo make dkms-install
#   make check            unit tests, builds, style and the QEMU guest suite
#   make style            checkpatch --strict on module/
#   make demo             the storm lab: a real ACK loop, then the cure
#   make bench            cost and reaction measured side by side (guest)
#   make check-debug      fuzz, stress, floods and the guest suites on a
#                         KASAN/lockdep kernel, on PREEMPT_RT, full-size
#                         floods on Debian's kernel (~52 min with its
#                         kernel cached, 38 min more to build it; README)

VERSION := 0.1.0
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

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/module modules

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

bench: deps module userspace
	@scripts/bench.sh

check-debug: deps userspace
	@scripts/check-debug.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/module clean
	$(MAKE) -C userspace clean

.PHONY: all deps module userspace install dkms-install style check demo bench \
	check-debug clean
