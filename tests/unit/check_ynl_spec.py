#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The netlink spec, as the kernel's own ynl library reads it: validated
against the kernel's genetlink-legacy schema (jsonschema) and resolved by
ynl's SpecFamily, with the operations, events and attribute sets ackguard
has. No netlink socket: the module need not be loaded.

usage: check_ynl_spec.py YNL_TREE [SPEC]
  YNL_TREE: what scripts/ynl.sh prints (tools/net/ynl and
  Documentation/netlink of linux-source-6.12).
Exit status 0 if all holds, 1 otherwise.
"""
import os
import sys

tree = sys.argv[1]
spec = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', '..', 'module', 'uapi',
    'ackguard.yaml')
sys.path.insert(0, os.path.join(tree, 'tools', 'net', 'ynl'))
sys.dont_write_bytecode = True
from lib import SpecFamily  # noqa: E402

fam = SpecFamily(spec, os.path.join(tree, 'Documentation', 'netlink',
                                    'genetlink-legacy.yaml'))
want_ops = ['get-config', 'set-config', 'get-counters', 'get-flows',
            'flush-flows']
want_sets = ['ackguard', 'config', 'counters', 'reason-counters',
             'flow-reason-counters', 'flow', 'filter']
errors = []
if fam.name != 'ackguard':
    errors.append('family %r' % fam.name)
if list(fam.ops) != want_ops:
    errors.append('operations %s, want %s' % (list(fam.ops), want_ops))
if sorted(fam.msgs) != sorted(want_ops + ['storm-start', 'storm-end', 'unspec']):
    errors.append('messages %s' % sorted(fam.msgs))
if list(fam.attr_sets) != want_sets:
    errors.append('attribute sets %s' % list(fam.attr_sets))
if 'dump' not in fam.ops['get-flows'].yaml:
    errors.append('get-flows is not a dump')
for e in errors:
    print('check_ynl_spec: ' + e, file=sys.stderr)
sys.exit(1 if errors else 0)
