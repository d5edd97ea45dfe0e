#!/usr/bin/python3
"""Check executed Jupyter notebooks for failed cells.

`jupyter nbconvert --execute` exits 0 even when a GoNB cell panics or calls
os.Exit(1): the kernel only prints the failure to the cell's stderr. This
checker reads executed notebooks and fails (exit 1) when any code cell

  - was not executed (no execution count: the run stopped early), or
  - has an "error" output (a compile error, a failed `go get`, a timeout), or
  - shows GoNB's HTML error report, or
  - printed `panic:`, `fatal error:` or `exit status N` (a Go panic, a runtime
    fatal error, a non-zero exit of the cell's program or of a `!` command).

Usage:

    /usr/bin/python3 notebooks/check.py NOTEBOOK.ipynb...
    /usr/bin/python3 notebooks/check.py --self-test

Only the Python standard library is used.
"""

import json
import re
import sys

# Lines that mean a cell's program or shell command failed. Go prints "panic: "
# and "fatal error: " at the start of a line; GoNB and `!` commands end a
# failed run with "exit status N".
FAILURE_LINE = re.compile(
    r"^(?:panic: |fatal error: |\[signal |exit status [0-9]+\s*$)", re.MULTILINE
)
# GoNB renders compile errors as HTML with these CSS classes.
GONB_HTML_ERROR = re.compile(r"gonb-err-(?:location|context|line)")
# Terminal colour codes that GoNB puts around cell references in stack traces.
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _text(value):
    """Joins a notebook multiline string (a str or a list of str)."""
    if isinstance(value, list):
        return "".join(value)
    return value or ""


def _excerpt(text, limit=600):
    text = ANSI.sub("", text).strip()
    if len(text) > limit:
        text = text[:limit] + " ..."
    return text


def check_notebook(nb):
    """Returns a list of problems (strings) found in a parsed notebook."""
    problems = []
    cells = nb.get("cells")
    if not isinstance(cells, list):
        return ["not a notebook: no list of cells"]
    code_cells = 0
    for index, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        source = _text(cell.get("source")).strip()
        if not source:
            continue
        code_cells += 1
        first = next((l for l in source.splitlines() if l.strip() not in ("", "%%")), "")
        where = "cell %d (%s)" % (index, first.strip()[:60])
        if cell.get("execution_count") is None:
            problems.append("%s: not executed" % where)
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "error":
                detail = out.get("evalue") or _text(out.get("traceback"))
                problems.append(
                    "%s: error output %s: %s"
                    % (where, out.get("ename", ""), _excerpt(_text(detail)))
                )
            elif kind == "stream":
                text = ANSI.sub("", _text(out.get("text")))
                match = FAILURE_LINE.search(text)
                if match:
                    problems.append(
                        "%s: %s printed %r:\n%s"
                        % (where, out.get("name", "stream"), match.group(0).strip(), _excerpt(text))
                    )
            elif kind in ("display_data", "execute_result"):
                html = _text(out.get("data", {}).get("text/html"))
                if GONB_HTML_ERROR.search(html):
                    plain = re.sub(r"<style>.*?</style>|<[^>]+>", " ", html, flags=re.S)
                    problems.append("%s: GoNB error report: %s" % (where, _excerpt(plain)))
    if code_cells == 0:
        problems.append("no code cells")
    return problems


def check_file(path):
    try:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
    except (OSError, ValueError) as e:
        return ["cannot read notebook: %s" % e]
    return check_notebook(nb)


# ---------------------------------------------------------------- self-test


def _nb(*cells):
    return {
        "cells": list(cells),
        "metadata": {"kernelspec": {"name": "gonb", "language": "go", "display_name": "Go (gonb)"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _code(source, *outputs, count=1):
    return {
        "cell_type": "code",
        "execution_count": count,
        "metadata": {},
        "source": source,
        "outputs": list(outputs),
    }


def _stream(text, name="stdout"):
    return {"output_type": "stream", "name": name, "text": text.splitlines(keepends=True)}


def self_test():
    """Runs the checker on small notebooks with known answers; returns 0 or 1."""
    png = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo="}}
    good = _nb(
        {"cell_type": "markdown", "metadata": {}, "source": "# Title\n"},
        _code("!*go work init\n"),
        _code("%%\nfmt.Println(1)\n", _stream("1\n")),
        _code("%%\nfmt.Fprintln(os.Stderr, \"note\")\n", _stream("note: no panic here\n", "stderr")),
        _code("%%\nshow()\n", png),
        _code("   \n", count=None),  # an empty cell need not run
    )
    cases = [
        ("clean notebook", good, None),
        (
            "panic",
            _nb(_code("%%\npanic(1)\n", _stream("x\n"), _stream(
                "panic: 1\n\ngoroutine 1 [running]:\nmain.main()\n"
                "\t \x1b[7m[[ Cell [2] Line 2 ]]\x1b[0m /tmp/gonb_1/main.go:9\nexit status 2\n", "stderr"))),
            "panic",
        ),
        ("os.Exit(1)", _nb(_code("%%\nos.Exit(1)\n", _stream("exit status 1\n", "stderr"))), "exit status 1"),
        ("failed ! command", _nb(_code("!false\n", _stream("exit status 1\n", "stderr"))), "exit status 1"),
        (
            "runtime fatal error",
            _nb(_code("%%\nselect {}\n", _stream(
                "fatal error: all goroutines are asleep - deadlock!\n", "stderr"))),
            "fatal error",
        ),
        (
            "compile error",
            _nb(_code("%%\nundefinedThing()\n",
                      {"output_type": "display_data", "metadata": {}, "data": {"text/html": [
                          "<style>.gonb-err-location {}</style>\n",
                          "<div><span class=\"gonb-err-location\">main.go:10</span> undefined: undefinedThing</div>"]}},
                      {"output_type": "error", "ename": "ERROR", "traceback": ["failed"],
                       "evalue": "failed to run \"go build\": exit status 1"})),
            "error output",
        ),
        ("cell not executed", _nb(_code("%%\nfmt.Println(1)\n", count=None)), "not executed"),
        ("no code cells", _nb({"cell_type": "markdown", "metadata": {}, "source": "hi"}), "no code cells"),
        ("not a notebook", {"hello": 1}, "not a notebook"),
    ]
    passed = failed = 0
    for name, nb, want in cases:
        problems = check_notebook(json.loads(json.dumps(nb)))
        if want is None:
            ok = not problems
        else:
            ok = any(want in p for p in problems)
        if ok:
            passed += 1
        else:
            failed += 1
            print("check.py self-test FAIL: %s: want %s, got %r" % (
                name, "no problem" if want is None else repr(want), problems))
    print("check.py self-test: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def main(argv):
    if argv == ["--self-test"]:
        return self_test()
    if not argv or any(a.startswith("-") for a in argv):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    status = 0
    for path in argv:
        problems = check_file(path)
        if problems:
            status = 1
            print("FAIL %s" % path)
            for p in problems:
                print("  " + p.replace("\n", "\n    "))
        else:
            print("ok   %s" % path)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
