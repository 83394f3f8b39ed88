#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Validates ackguardctl JSON on stdin: one document, or with --lines one
document per line (watch -j, monitor -j). NaN/Infinity are rejected."""
import json
import sys


def reject(token):
    raise ValueError('non-standard JSON constant ' + token)


def main():
    text = sys.stdin.read()
    if not text.endswith('\n'):
        print('check_json: no newline at the end', file=sys.stderr)
        return 1
    docs = text.splitlines() if '--lines' in sys.argv[1:] else [text]
    try:
        for d in docs:
            json.loads(d, parse_constant=reject)
    except ValueError as e:
        print('check_json: %s' % e, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
