#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Validates ackguardctl JSON on stdin: one document, or with --lines one
document per line (watch -j, monitor -j). NaN/Infinity are rejected.
With --show, the document is show -j's: config, counters and the kernel's
limiter (kernel_limiter absent|off|on|unknown, kernel_invalid_ratelimit_ms
null exactly when absent or unknown, 0 exactly when off)."""
import json
import sys


def reject(token):
    raise ValueError('non-standard JSON constant ' + token)


def check_show(d):
    for k in ('config', 'counters', 'kernel_release', 'kernel_limiter',
              'kernel_invalid_ratelimit_ms', 'kernel_limiter_note'):
        if k not in d:
            raise ValueError('show -j without "%s"' % k)
    lim, ms = d['kernel_limiter'], d['kernel_invalid_ratelimit_ms']
    if lim not in ('absent', 'off', 'on', 'unknown'):
        raise ValueError('kernel_limiter %r' % lim)
    if (ms is None) != (lim in ('absent', 'unknown')):
        raise ValueError('kernel_limiter %s with ratelimit %r' % (lim, ms))
    if ms is not None and (not isinstance(ms, int) or ms < 0 or
                           (ms == 0) != (lim == 'off')):
        raise ValueError('kernel_limiter %s with ratelimit %r' % (lim, ms))
    if not d['kernel_limiter_note'] or not d['kernel_release']:
        raise ValueError('empty kernel_limiter_note or kernel_release')


def main():
    text = sys.stdin.read()
    if not text.endswith('\n'):
        print('check_json: no newline at the end', file=sys.stderr)
        return 1
    docs = text.splitlines() if '--lines' in sys.argv[1:] else [text]
    try:
        for d in docs:
            o = json.loads(d, parse_constant=reject)
            if '--show' in sys.argv[1:]:
                check_show(o)
    except ValueError as e:
        print('check_json: %s' % e, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
