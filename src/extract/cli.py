"""The command line: each command is a thin call into the library.

    extract run IN --out OUT [--jobs N] [--rules DIR] [--strict] [--force]
    extract show FILE [--rules DIR]
    extract eval GOLD --raw DIR --out DIR [--verbose] [--json]
    extract rules check [--rules DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import __version__


def _progress_printer(stream):
    """A one-line progress bar on stderr for runs of more than a few files (TTY only)."""
    if not stream.isatty():
        return None

    def show(i: int, n: int, path: str) -> None:
        if n < 20:
            return
        width = 30
        filled = width * i // n
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {i}/{n} {path[-40:]:<40}")
        if i == n:
            stream.write("\n")
        stream.flush()

    return show


def cmd_run(args) -> int:
    from .runner import run

    try:
        summary = run(args.input, args.out, rules_dir=args.rules, jobs=args.jobs,
                      max_bytes=args.max_bytes, force=args.force,
                      progress=_progress_printer(sys.stderr))
    except (FileNotFoundError, FileExistsError) as exc:
        print(f"extract run: {exc}", file=sys.stderr)
        return 2
    print(summary)
    if summary.documents and summary.ok == 0:
        return 1
    if args.strict and summary.errors:
        return 1
    return 0


def cmd_show(args) -> int:
    from . import extract_file
    from .rules import default_rules
    from .view import format_result

    res = extract_file(args.file, rules=default_rules(args.rules))
    print(format_result(res, width=args.width))
    return 0 if res.document.status == "ok" else 1


def cmd_eval(args) -> int:
    from .evaluate import evaluate, format_report

    report = evaluate(args.gold, args.raw, args.out)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, verbose=args.verbose))
    return 0


def cmd_rules_check(args) -> int:
    from .rules import load_rules

    rules = load_rules(args.rules)
    print(f"rules OK: {rules.directory} (fingerprint {rules.fingerprint}); "
          f"{len(rules.units)} units, {len(rules.traps)} traps")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="extract", description=__doc__.split("\n")[0])
    p.add_argument("--version", action="version", version=f"extract {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="extract every article below a folder into Parquet tables")
    r.add_argument("input", help="folder of articles (*.txt, recursive) or one file")
    r.add_argument("--out", required=True, help="output folder for the Parquet tables")
    r.add_argument("--rules", default=None, help="rules folder (default: the shipped rules)")
    r.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="worker processes (default: all cores)")
    r.add_argument("--max-bytes", type=int, default=50 * 1024 * 1024,
                   help="refuse input files larger than this (default 50 MB)")
    r.add_argument("--strict", action="store_true", help="exit 1 if any file failed")
    r.add_argument("--force", action="store_true",
                   help="write into --out even if it holds files that are not extract output")
    r.set_defaults(func=cmd_run)

    s = sub.add_parser("show", help="print the facts of one article, with their context")
    s.add_argument("file")
    s.add_argument("--rules", default=None)
    s.add_argument("--width", type=int, default=100)
    s.set_defaults(func=cmd_show)

    e = sub.add_parser("eval", help="score an output folder against a gold JSONL")
    e.add_argument("gold", help="gold facts (JSONL, see the annotation guide)")
    e.add_argument("--raw", required=True, help="folder of the original articles")
    e.add_argument("--out", required=True, help="output folder of `extract run`")
    e.add_argument("--verbose", action="store_true", help="list misses, false positives, errors")
    e.add_argument("--json", action="store_true", help="print the report as JSON")
    e.set_defaults(func=cmd_eval)

    rc = sub.add_parser("rules", help="validate a rules folder")
    rc.add_argument("action", choices=["check"])
    rc.add_argument("--rules", default=None)
    rc.set_defaults(func=cmd_rules_check)
    return p


def main(argv: list[str] | None = None) -> int:
    from .evaluate import EvalError
    from .rules import RuleError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except RuleError as exc:
        print(f"extract: bad rules: {exc}", file=sys.stderr)
        return 2
    except EvalError as exc:
        print(f"extract eval: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
