"""Run the CLI with a fault injected into the writing of its output files (tests only)."""

from __future__ import annotations

import textwrap

_TEMPLATE = """
import errno, os, signal, sys
real_fdopen = os.fdopen
ARG = sys.argv.pop(1)  # what the fault needs: a signal's or an errno's name, or "-"

def fdopen(fd, mode="r", *args, **kwargs):
    fh = real_fdopen(fd, mode, *args, **kwargs)
    if "w" not in mode:
        return fh

    class Faulty:
        def write(self, data):
{body}

        def __getattr__(self, name):
            return getattr(fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return fh.__exit__(*exc)

    return Faulty()

os.fdopen = fdopen
from contractgen.cli import main
sys.argv = ["contractgen", *sys.argv[1:]]
main()
"""

#: Half the data is written, then the process signals itself (ARG: SIGINT, SIGTERM, SIGHUP…), as
#: Ctrl-C, a closing terminal or a service manager would, then the rest is written.
SIGNAL_HALF_WAY = """
fh.write(data[: len(data) // 2])
fh.flush()
os.kill(os.getpid(), getattr(signal, ARG))
fh.write(data[len(data) // 2:])
"""

#: The disk refuses the write with the errno named by ARG (ENOSPC, EROFS, EACCES…).
REFUSE = """
code = getattr(errno, ARG)
raise OSError(code, os.strerror(code))
"""


def script(fault: str) -> str:
    """Return a `python -c` script: `script(F) ARG contractgen-args…` runs the CLI with fault F."""
    body = textwrap.indent(textwrap.dedent(fault).strip(), " " * 12)
    return _TEMPLATE.format(body=body)
