"""``python -m svddlib COMMAND ...``: ``reproduce`` (paper artefacts as sweeps, see
:mod:`svddlib.reproduce.cli`) or ``course`` (run the notebooks, see :mod:`svddlib.course`)."""
from __future__ import annotations

import sys

_USAGE = ("usage: python -m svddlib {reproduce,course} ...\n"
          "  reproduce  run a paper table/figure as a sweep (python -m svddlib reproduce -h)\n"
          "  course     list or execute the notebooks (python -m svddlib course -h)")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "reproduce":
        from .reproduce.cli import main as reproduce_main

        return reproduce_main(rest)
    if command == "course":
        from .course import main as course_main

        return course_main(rest)
    print(f"error: unknown command {command!r}; choose reproduce or course", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
