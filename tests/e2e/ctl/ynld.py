#!/usr/bin/python3
# ynld.py: the kernel's ynl CLI (tools/net/ynl/cli.py of linux-source-6.12)
# as one long-lived process, for test_ynl.sh.  Each cli.py call paid a new
# python3 plus the imports of ynl's library, yaml and jsonschema and the
# spec's parse, ~15 s a call under TCG; here that is paid once.
#
#   ynld.py YNL_DIR SPEC SCHEMA OUT ERR
#
# At start it imports yaml, jsonschema and YNL_DIR/cli.py (which imports
# ynl's lib: YnlFamily, NlError) and validates SPEC against SCHEMA with the
# library's own SpecFamily(SPEC, SCHEMA) -- what YnlFamily's constructor
# does when cli.py gets --schema -- then prints one line, "ready" or, when
# an import failed, "error: WHY" and exits.  A spec the schema rejects
# fails the first request as cli.py --schema SCHEMA would (exit 1, the
# traceback on ERR); later ones, like cli.py --no-schema, do not check it
# again.  Then it serves requests from stdin, one a line, fields
# separated by NUL: NS, then cli.py's arguments (--do OP | --dump OP,
# optional --json TEXT).  NS empty is the netns ynld started in; otherwise
# the ynl socket is opened in /run/netns/NS (cli.py under ip netns exec),
# once per netns.  It writes what cli.py would print to OUT (the reply as
# JSON with cli.py's own YnlEncoder, or an NlError's text) and anything
# else (a traceback) to ERR, and answers with cli.py's exit status on one
# line.  After a failed request the netns gets a new socket.  Decoding stays strict (process_unknown False, as without
# --process-unknown).
import contextlib
import ctypes
import importlib
import json
import os
import sys
import traceback

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def setns_fd(fd, what):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns %s: %s" % (what, os.strerror(e)))


def main():
    ydir, spec, schema, out, err = sys.argv[1:6]
    try:
        for m in ("yaml", "jsonschema"):
            importlib.import_module(m)
        sys.path.insert(0, ydir)
        import cli
        from lib import SpecFamily
    except Exception:
        print("error: %s" % traceback.format_exc().replace("\n", " | "),
              flush=True)
        return 1
    try:
        SpecFamily(spec, schema)
        invalid = None
    except Exception:
        invalid = traceback.format_exc()
    print("ready", flush=True)

    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    fams = {}

    def family(ns):
        if ns not in fams:
            if ns:
                fd = os.open("/run/netns/" + ns, os.O_RDONLY)
                try:
                    setns_fd(fd, ns)
                finally:
                    os.close(fd)
            try:
                # the schema was checked above: not once per netns
                fams[ns] = cli.YnlFamily(spec, '', False, recv_size=0)
            finally:
                if ns:
                    setns_fd(home, "back")
        return fams[ns]

    def request(ynl, opts, o):
        attrs = json.loads(opts["--json"]) if "--json" in opts else {}
        try:
            if "--do" in opts:
                reply = ynl.do(opts["--do"], attrs, None)
            else:
                reply = ynl.dump(opts["--dump"], attrs)
        except cli.NlError as x:
            print(x, file=o)
            return 1
        print(json.dumps(reply, cls=cli.YnlEncoder), file=o)
        return 0

    # The answers go to the real stdout; during a request sys.stdout is
    # OUT, where cli.py's stdout would be (ynl's lib prints there too, e.g.
    # "Unexpected message").
    answer = sys.stdout
    for line in sys.stdin.buffer:
        f = [x.decode() for x in line.rstrip(b"\n").split(b"\0")[:-1]]
        ns, args = f[0], f[1:]
        rc = 0
        with open(out, "w") as o, open(err, "w") as e, \
                contextlib.redirect_stdout(o):
            try:
                opts = dict(zip(args[::2], args[1::2]))
                if len(args) % 2 or set(opts) - {"--do", "--dump", "--json"} \
                        or ("--do" in opts) == ("--dump" in opts):
                    raise ValueError("ynld: unsupported arguments %s" % args)
                if invalid:
                    e.write(invalid)
                    invalid = None
                    rc = 1
                else:
                    rc = request(family(ns), opts, o)
            except Exception:
                traceback.print_exc(file=e)
                rc = 1
        if rc and ns in fams:
            # a failed call may leave replies on the socket: the next one
            # gets a new socket, as a new cli.py would
            fams.pop(ns).sock.close()
        print(rc, file=answer, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
