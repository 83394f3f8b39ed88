#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Strict checker for Prometheus text exposition format 0.0.4 (stdin).

Stricter than the format requires, matching what ackguardctl promises:
every family has HELP and TYPE before its samples, samples of a family are
contiguous, no series repeats, counters end in _total and are >= 0, all
names start with ackguard_, no blank lines, and the text ends in a newline.

With --up (a full "stats -o prometheus"), also what a fleet's alerts rely
on: "ackguard_up 1", one ackguard_build_info{version="...",kernel="..."} 1,
and the kernel limiter told consistently: ackguard_kernel_limiter_present
0 without ackguard_kernel_invalid_ratelimit_seconds, 1 with it.
"""
import re
import sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
VALUE = r'(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]Inf|NaN)'
HELP_RE = re.compile(r'^# HELP (%s) ((?:[^\\\n]|\\[\\n])*)$' % NAME)
TYPE_RE = re.compile(r'^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$' % NAME)
SAMPLE_RE = re.compile(r'^(%s)(\{(?:%s(?:,%s)*)?\})? (%s)(?: -?[0-9]+)?$'
                       % (NAME, LABEL, LABEL, VALUE))


def check(text):
    errors = []
    if not text:
        return ['empty input']
    if not text.endswith('\n'):
        errors.append('no newline at the end')
    helps, types, done, series = {}, {}, set(), set()
    current = None
    for n, line in enumerate(text[:-1].split('\n') if text.endswith('\n')
                             else text.split('\n'), 1):
        def err(msg):
            errors.append('line %d: %s: %r' % (n, msg, line))
        if not line:
            err('blank line')
            continue
        m = HELP_RE.match(line) or TYPE_RE.match(line)
        if m:
            name = m.group(1)
            table = helps if line.startswith('# HELP') else types
            if name in table:
                err('second ' + line.split()[1])
            if name in done or (current == name and name in series_names(series)):
                err('metadata after samples')
            table[name] = m.group(2)
            if current != name and current is not None:
                done.add(current)
            current = name
            continue
        if line.startswith('#'):
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            err('not a sample')
            continue
        name, labels, value = m.group(1), m.group(2) or '', m.group(3)
        if not name.startswith('ackguard_'):
            err('name without the ackguard_ prefix')
        if name in done:
            err('samples of a family are not contiguous')
        if current != name:
            if current is not None:
                done.add(current)
            current = name
        if name not in types or name not in helps:
            err('sample without HELP and TYPE before it')
        key = (name, labels)
        if key in series:
            err('duplicate series')
        series.add(key)
        if types.get(name) == 'counter':
            if not name.endswith('_total'):
                err('counter name without _total')
            if value.startswith('-') or value == 'NaN':
                err('negative counter')
        elif name.endswith('_total'):
            err('_total on a non-counter')
    for name in set(types) | set(helps):
        if name not in series_names(series):
            errors.append('family %s has no samples' % name)
    return errors


def check_up(text):
    errors = []
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith('#'):
            name_labels, value = line.rsplit(' ', 1)
            samples[name_labels] = value
    if samples.get('ackguard_up') != '1':
        errors.append('no "ackguard_up 1"')
    info = [k for k in samples if k.startswith('ackguard_build_info{')]
    if len(info) != 1 or not re.fullmatch(
            r'ackguard_build_info\{version="[^"]+",kernel="[^"]+"\}', info[0]) \
            or samples[info[0]] != '1':
        errors.append('not one ackguard_build_info{version,kernel} 1: %s' % info)
    present = samples.get('ackguard_kernel_limiter_present')
    ratelimit = samples.get('ackguard_kernel_invalid_ratelimit_seconds')
    if present not in (None, '0', '1'):
        errors.append('ackguard_kernel_limiter_present %s' % present)
    if (present == '1') != (ratelimit is not None):
        errors.append('ackguard_kernel_limiter_present %s with '
                      'ackguard_kernel_invalid_ratelimit_seconds %s'
                      % (present, ratelimit))
    return errors


def series_names(series):
    return {name for name, _ in series}


def main():
    text = sys.stdin.read()
    errors = check(text)
    if '--up' in sys.argv[1:] and not errors:
        errors = check_up(text)
    for e in errors:
        print('check_prom: ' + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
