#!/usr/bin/python3
"""Cross-check the ackguard netlink spec (YAML) against its C uAPI header.

For every C enum of the header, the spec must yield an enum of the same tag
whose enumerators have the same names, in the same order, with the same
values; and every enum the spec yields must be in the header. Names are
derived from the spec as the kernel's ynl-gen-c (tools/net/ynl, 6.12) renders
a uAPI header:

  definitions (enum):  tag enum-name (default <family>-<name>), entries
                       name-prefix (default <family>-<name>-) + entry,
                       values from value-start (0) / value; render-max adds
                       __<prefix>MAX (and <prefix>MAX = __<prefix>MAX - 1)
  attribute-sets:      tag enum-name (none: anonymous), attrs name-prefix
                       (default <family>-a-[<set>-]) + attr, values from 1 /
                       value; then attr-cnt-name (default __<prefix>MAX);
                       attr-max-name (default <prefix>MAX) = cnt - 1
  operations:          tag operations.enum-name, ops name-prefix (default
                       <family>-cmd-) + op, values from 1 / value; then
                       cmd-cnt-name / cmd-max-name likewise
  defines:             c-family-name, c-version-name, consts
                       (<family>-<name>), mcast-groups c-define-name

A <prefix>MAX may be an enumerator or a #define in the header; where the
header lacks one that the spec implies it is only a warning, a wrong value is
a failure. Subsets (subset-of) make no enum. The spec's own references
(nested-attributes, enum, op attributes, mcgrp, subset members) are checked
too.

Usage: check_spec.py [--spec ackguard.yaml] [--header ackguard.h]
Exit status 0 when everything matches, 1 otherwise.
"""

import argparse
import difflib
import os
import re
import sys

import yaml

UAPI = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                    'module', 'uapi')
DEFAULT_SPEC = os.path.join(UAPI, 'ackguard.yaml')
DEFAULT_HEADER = os.path.join(UAPI, 'ackguard.h')


def c_upper(name):
    return name.upper().replace('-', '_')


def c_lower(name):
    return name.lower().replace('-', '_')


# ---------------------------------------------------------------- C header

def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)


_EXPR_OK = re.compile(r'^[\sA-Za-z0-9_()+\-]*$')


def eval_expr(expr, known):
    """Evaluate an integer expression of literals and known names."""
    expr = expr.strip()
    if not _EXPR_OK.match(expr):
        return None
    names = re.findall(r'[A-Za-z_]\w*', expr)
    if any(n not in known or known[n] is None for n in names):
        return None
    try:
        return int(eval(expr, {'__builtins__': {}}, dict(known)))  # noqa: S307
    except Exception:  # pylint: disable=broad-except
        return None


def parse_header(path):
    """Return (enums, defines, values): enums is {tag: [(name, value)]} in
    order, defines {name: text}, values {name: int or None}."""
    text = strip_comments(open(path, encoding='utf-8').read())
    values = {}
    enums = {}
    anon = 0
    for m in re.finditer(r'\benum\s*(\w*)\s*\{([^}]*)\}\s*;', text):
        tag = m.group(1)
        if not tag:
            anon += 1
            tag = f'<anonymous #{anon}>'
        members = []
        nxt = 0
        for item in m.group(2).split(','):
            item = item.strip()
            if not item:
                continue
            if '=' in item:
                name, expr = (s.strip() for s in item.split('=', 1))
                val = eval_expr(expr, values)
            else:
                name, val = item, nxt
            values[name] = val
            members.append((name, val))
            nxt = val + 1 if val is not None else None
        enums[tag] = members
    defines = {}
    for m in re.finditer(r'^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+(.+?)[ \t]*$',
                         text, flags=re.M):
        defines[m.group(1)] = m.group(2)
    for name, body in defines.items():
        if name not in values:
            values[name] = eval_expr(body, values)
    return enums, defines, values


# ---------------------------------------------------------------- spec

class Expected:
    """One C enum the spec yields."""

    def __init__(self, what, tag):
        self.what = what            # e.g. "attribute-set flow"
        self.tag = tag              # C enum tag, None for anonymous
        self.members = []           # [(name, value)]
        self.max_name = None        # (name, value) expected as enumerator/define
        self.max_in_enum = False    # ynl renders max inside the enum


def spec_enums(spec, problems):
    fam = spec['name']
    fam_id = fam.replace('-', '_')
    out = []

    def tag_of(obj, default):
        if 'enum-name' in obj:
            return c_lower(obj['enum-name']) if obj['enum-name'] else None
        return default

    for d in spec.get('definitions', []):
        if d['type'] not in ('enum', 'flags') or d.get('header'):
            continue
        e = Expected(f"definition {d['name']}", tag_of(d, c_lower(f"{fam_id}-{d['name']}")))
        pfx = d.get('name-prefix', f"{fam_id}-{d['name']}-")
        val = d.get('value-start', 0)
        for ent in d['entries']:
            ent = {'name': ent} if isinstance(ent, str) else ent
            val = ent.get('value', val)
            user = (1 << val) if d['type'] == 'flags' else val
            e.members.append((c_upper(pfx + str(ent['name'])), user))
            val += 1
        if d.get('render-max'):
            if d['type'] == 'flags':
                mask = sum(v for _, v in e.members)
                e.members.append((c_upper(pfx + 'mask'), mask))
            else:
                cnt = c_upper(d.get('enum-cnt-name', '__' + pfx + 'max'))
                cnt_val = e.members[-1][1] + 1 if e.members else 0
                e.members.append((cnt, cnt_val))
                e.max_name = (c_upper(pfx + 'max'), cnt_val - 1)
                e.max_in_enum = True
        out.append(e)

    for s in spec['attribute-sets']:
        if s.get('subset-of'):
            continue
        e = Expected(f"attribute-set {s['name']}", tag_of(s, None))
        if 'name-prefix' in s:
            pfx = s['name-prefix']
        elif s['name'] == fam:
            pfx = fam_id + '-a-'
        else:
            pfx = f"{fam_id}-a-{s['name']}-"
        val = 1
        for a in s['attributes']:
            val = a.get('value', val)
            e.members.append((c_upper(pfx + str(a['name'])), val))
            val += 1
        cnt = c_upper(s.get('attr-cnt-name', f"__{pfx}max"))
        e.members.append((cnt, val))
        e.max_name = (c_upper(s.get('attr-max-name', f"{pfx}max")), val - 1)
        e.max_in_enum = not spec.get('max-by-define', False)
        out.append(e)

    ops = spec['operations']
    if 'async-prefix' in ops or ops.get('enum-model', 'unified') != 'unified':
        problems.append('operations: only the unified enum model without '
                        'async-prefix is supported by this checker')
    e = Expected('operations', tag_of(ops, None))
    pfx = ops.get('name-prefix', f"{fam}-cmd-")
    val = 1
    for op in ops['list']:
        val = op.get('value', val)
        e.members.append((c_upper(pfx + str(op['name'])), val))
        val += 1
    e.members.append((c_upper(spec.get('cmd-cnt-name', f"__{pfx}max")), val))
    e.max_name = (c_upper(spec.get('cmd-max-name', f"{pfx}max")), val - 1)
    e.max_in_enum = not spec.get('max-by-define', False)
    out.append(e)
    return out


def spec_defines(spec):
    """[(define name, expected int or str value, what)]"""
    fam = spec['name']
    fam_id = fam.replace('-', '_')
    out = [(c_upper(spec.get('c-family-name', fam + '_FAMILY_NAME')), fam,
            'family name'),
           (c_upper(spec.get('c-version-name', fam + '_FAMILY_VERSION')),
            spec.get('version', 1), 'family version')]
    for d in spec.get('definitions', []):
        if d['type'] == 'const' and not d.get('header'):
            pfx = d.get('name-prefix', f'{fam_id}-')
            out.append((c_upper(pfx + d['name']), d['value'], f"const {d['name']}"))
    for g in spec.get('mcast-groups', {}).get('list', []):
        out.append((c_upper(g.get('c-define-name', f"{fam_id}-mcgrp-{g['name']}")),
                    g['name'], f"mcast group {g['name']}"))
    return out


def spec_integrity(spec):
    """References inside the spec that must resolve; returns problems."""
    probs = []
    consts = {d['name']: d for d in spec.get('definitions', [])}
    sets = {s['name']: s for s in spec['attribute-sets']}

    def names_ok(where, items):
        for it in items:
            n = it if isinstance(it, str) else it.get('name')
            if not isinstance(n, str):
                probs.append(f"{where}: name {n!r} is not a string "
                             "(YAML 1.1 reads off/on/yes/no as booleans: quote it)")

    for d in spec.get('definitions', []):
        names_ok(f"definition {d.get('name')}", [d])
        if d['type'] in ('enum', 'flags'):
            names_ok(f"definition {d['name']}", d['entries'])
    for s in spec['attribute-sets']:
        names_ok(f"attribute-set {s.get('name')}", [s] + s['attributes'])
        parent = s.get('subset-of')
        if parent:
            if parent not in sets:
                probs.append(f"attribute-set {s['name']}: subset-of unknown set {parent}")
                continue
            pnames = [a['name'] for a in sets[parent]['attributes']]
            mine = [a['name'] for a in s['attributes']]
            for n in mine:
                if n not in pnames:
                    probs.append(f"attribute-set {s['name']}: {n} is not in {parent}")
            if [n for n in pnames if n in mine] != mine:
                probs.append(f"attribute-set {s['name']}: members not in {parent}'s order")
            continue
        for a in s['attributes']:
            where = f"attribute-set {s['name']}.{a['name']}"
            if 'nested-attributes' in a and a['nested-attributes'] not in sets:
                probs.append(f"{where}: nested-attributes {a['nested-attributes']} unknown")
            if a.get('type') == 'nest' and 'nested-attributes' not in a:
                probs.append(f"{where}: nest without nested-attributes")
            if 'enum' in a and (a['enum'] not in consts or
                                consts[a['enum']]['type'] not in ('enum', 'flags')):
                probs.append(f"{where}: enum {a['enum']} unknown")
    groups = {g['name'] for g in spec.get('mcast-groups', {}).get('list', [])}
    names_ok('operations', spec['operations']['list'])
    for op in spec['operations']['list']:
        where = f"operation {op['name']}"
        aset = sets.get(op.get('attribute-set'))
        if op.get('attribute-set') and aset is None:
            probs.append(f"{where}: attribute-set {op['attribute-set']} unknown")
        anames = {a['name'] for a in aset['attributes']} if aset else set()
        lists = []
        for mode in ('do', 'dump'):
            for direction in ('request', 'reply'):
                lists.append((f'{mode}.{direction}',
                              ((op.get(mode) or {}).get(direction) or {}).get('attributes', [])))
        lists.append(('event', (op.get('event') or {}).get('attributes', [])))
        for label, attrs in lists:
            for n in attrs:
                if n not in anames:
                    probs.append(f"{where}: {label} attribute {n} not in its attribute-set")
        if 'mcgrp' in op and op['mcgrp'] not in groups:
            probs.append(f"{where}: mcgrp {op['mcgrp']} unknown")
    return probs


# ---------------------------------------------------------------- compare

def fmt(members):
    return ', '.join(f'{n}={v}' for n, v in members)


def compare_enum(exp, hdr_members, hdr_values, hdr_defines):
    """Return (failures, warnings) for one enum."""
    fails, warns = [], []
    want = list(exp.members)
    have = list(hdr_members)
    # <prefix>MAX: may sit in the enum (ynl default) or be a #define.
    if exp.max_name:
        mname, mval = exp.max_name
        have = [(n, v) for n, v in have if n != mname]
        if mname in hdr_values and hdr_values[mname] is not None:
            if hdr_values[mname] != mval:
                fails.append(f"{mname} is {hdr_values[mname]} in the header, "
                             f"the spec implies {mval}")
        elif mname in hdr_values or mname in hdr_defines:
            warns.append(f"{mname}: header value not computable "
                         f"({hdr_defines.get(mname, '?')})")
        else:
            warns.append(f"{mname} (= {mval}) implied by the spec is not in the header")
    wn = [n for n, _ in want]
    hn = [n for n, _ in have]
    if wn != hn:
        sm = difflib.SequenceMatcher(a=hn, b=wn, autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op == 'equal':
                continue
            after = f"after {hn[i1 - 1]}" if i1 > 0 else "at the start"
            if op == 'insert':
                fails.append(f"spec has {fmt(want[j1:j2])} {after}; the header has not")
            elif op == 'delete':
                fails.append(f"header has {fmt(have[i1:i2])} {after}; the spec has not")
            else:
                fails.append(f"header has {fmt(have[i1:i2])} {after} where the spec "
                             f"has {fmt(want[j1:j2])}")
    else:
        for (n, hv), (_, wv) in zip(have, want):
            if hv != wv:
                fails.append(f"{n} is {hv} in the header, {wv} in the spec")
    return fails, warns


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--spec', default=DEFAULT_SPEC)
    ap.add_argument('--header', default=DEFAULT_HEADER)
    args = ap.parse_args()

    spec = yaml.safe_load(open(args.spec, encoding='utf-8'))
    hdr_enums, hdr_defines, hdr_values = parse_header(args.header)
    print(f"spec:   {args.spec}")
    print(f"header: {args.header}")

    passed = failed = 0

    def report(ok, title, fails=(), warns=()):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
        print(f"{'ok' if ok else 'not ok'} - spec: {title}")
        for f in fails:
            print(f"        {f}")
        for w in warns:
            print(f"        warning: {w}")

    model_probs = []
    expected = spec_enums(spec, model_probs)
    probs = spec_integrity(spec) + model_probs
    report(not probs, 'spec references resolve', probs)

    seen_tags = set()
    for exp in expected:
        if exp.tag is None:
            report(False, f"{exp.what}: no enum-name in the spec, renders an "
                   "anonymous enum that cannot be matched")
            continue
        seen_tags.add(exp.tag)
        title = f"enum {exp.tag} ({exp.what})"
        if exp.tag not in hdr_enums:
            report(False, title, ["not in the header"])
            continue
        fails, warns = compare_enum(exp, hdr_enums[exp.tag], hdr_values, hdr_defines)
        n = len(exp.members)
        report(not fails, f"{title}: {n} enumerators" if not fails else title,
               fails, warns)
    for tag in hdr_enums:
        if tag not in seen_tags:
            report(False, f"enum {tag} (header)", ["the spec has no such enum"])

    for name, val, what in spec_defines(spec):
        title = f"#define {name} ({what})"
        if name not in hdr_defines:
            report(False, title, ["not in the header"])
            continue
        body = hdr_defines[name]
        if isinstance(val, str):
            ok = body == f'"{val}"'
            report(ok, title, [] if ok else [f'header: {body}, spec: "{val}"'])
        else:
            hv = hdr_values.get(name)
            ok = hv == val
            report(ok, title, [] if ok else [f"header: {body} = {hv}, spec: {val}"])

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
