"""The command line: each command is a thin call into the library.

    extract run IN_DIR --out OUT_DIR [--jobs N] [--rules DIR] [--strict] [--force]
                [--follow-symlinks] [--engine local|dask] [--scheduler ADDRESS] [--partition-size N]
    extract show FILE|- [--rules DIR] [--width N] [--why]
    extract eval GOLD --raw RAW_DIR --tables TABLES_DIR [--verbose] [--json]
    extract rules check [--rules DIR]
    extract diff OLD_TABLES [NEW_TABLES] [--by year|metric|run] [--csv FILE] [--all] [--context]
    extract report TABLES_DIR [--html FILE] [--raw RAW_DIR] [--against OLD_TABLES]

IN_DIR and RAW_DIR are read (articles), OUT_DIR is written (tables), TABLES_DIR and OLD/NEW_TABLES
are read (the tables of an `extract run`).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
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


class _NoPandas:
    """A meta-path finder under which pandas cannot be imported."""

    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def _pyarrow_without_pandas() -> None:
    """pyarrow imports pandas (0.3-0.5 s, a fifth of a one-article run) the first time it
    builds an array, only to ask whether the input is a pandas object. A local `extract run`
    never passes one, so pyarrow's one-time check is made while pandas cannot be imported.
    pyarrow remembers the answer for the rest of the process (pandas Series are then converted
    as plain sequences; to_pandas still imports pandas), so this is only done when the process
    is the `extract` program itself, which ends with the run; see main()."""
    if "pandas" in sys.modules:
        return
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        import pyarrow as pa

        pa.array([], type=pa.null())
    except Exception:  # noqa: BLE001 - a start-up shortcut; without it pandas is just imported
        pass
    finally:
        sys.meta_path.remove(finder)


def cmd_run(args) -> int:
    if args.engine == "local" and getattr(args, "as_program", False):
        _pyarrow_without_pandas()
    from .commit import OutputLocked
    from .runner import run

    try:
        summary = run(args.input, args.out, rules_dir=args.rules, jobs=args.jobs,
                      max_bytes=args.max_bytes, force=args.force,
                      follow_symlinks=args.follow_symlinks,
                      progress=_progress_printer(sys.stderr), engine=args.engine,
                      scheduler=args.scheduler, partition_size=args.partition_size,
                      n_workers=args.jobs)
    except (OSError, OutputLocked, ImportError) as exc:   # each message names its path
        print(f"extract run: {exc}", file=sys.stderr)
        return 2
    print(summary)
    if summary.documents and summary.ok == 0:
        return 1
    if args.strict and summary.errors:
        return 1
    return 0


def _stdin_bytes(max_bytes: int) -> bytes:
    """Standard input, at most ``max_bytes`` (one byte more is read to notice a larger input)."""
    from .load import LoadError, too_large

    data = sys.stdin.buffer.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise LoadError(str(too_large("standard input", max_bytes)))
    return data


def cmd_show(args) -> int:
    from .batch import error_result, process_file
    from .formats import sniff
    from .load import LoadError
    from .ruleset import default_rules
    from .view import format_blocked, format_result

    rules = default_rules(args.rules)
    if args.file == "-":
        try:
            data = _stdin_bytes(args.max_bytes)
        except LoadError as exc:
            res = error_result("-", str(exc))
        else:
            res = process_file("-", "-", rules, read=lambda _path, _limit: data,
                               max_bytes=args.max_bytes, kind=sniff(data))
    else:
        res = process_file(Path(args.file), Path(args.file).name, rules,
                           max_bytes=args.max_bytes)
    print(format_result(res, width=args.width, rules=args.why))
    if args.why:
        print(format_blocked(res, width=args.width))
    return 0 if res.document.status == "ok" else 1


def cmd_eval(args) -> int:
    from .evaluate import evaluate, format_report

    if args.tables is None:
        print("extract eval: the following argument is required: --tables TABLES_DIR",
              file=sys.stderr)
        return 2
    report = evaluate(args.gold, args.raw, args.tables)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, verbose=args.verbose))
    return 0


def cmd_rules_check(args) -> int:
    from .ruleset import load_rules

    rules = load_rules(args.rules)
    print(f"rules OK: {rules.directory} (fingerprint {rules.fingerprint}); "
          f"{len(rules.quantity.units)} units, {len(rules.traps.all)} traps, "
          f"{len(rules.dates.rules)} date rules, {len(rules.metrics.metrics)} canonical metrics")
    return 0


def _describe_output(label: str, out: str, docs) -> str:
    """One line naming an output: its documents, orgs and years, and its rules fingerprint."""
    from .tables import read_metadata

    orgs = ", ".join(sorted({str(o) for o in docs["org"].dropna()})) or "no org"
    years = ", ".join(str(y) for y in sorted(set(docs["report_year"].dropna())))
    rules = read_metadata(out).get("rules_fingerprint", "?")
    return (f"{label}: {out}  (documents: {len(docs)}; org: {orgs}; report years: "
            f"{years or '-'}; rules {rules})")


def cmd_diff(args) -> int:
    from .compare import diff, panel
    from .csvout import write_csv
    from .tables import read
    from .view import format_diff, format_panel, format_run_diff, metric_names

    try:
        old = read(args.old)
        new = read(args.new) if args.new else None
        df = diff(old, new, by=args.by)
    except (FileNotFoundError, ValueError) as exc:
        print(f"extract diff: {exc}", file=sys.stderr)
        return 2
    if args.csv:
        write_csv(df, args.csv)          # formula-like text quoted, numbers left as numbers
    colour = sys.stdout.isatty()
    print(_describe_output("old" if new is not None else "output", args.old, old["documents"]))
    if new is not None:
        print(_describe_output("new", args.new, new["documents"]))
    if args.by == "run":
        print(format_run_diff(df, colour=colour))
    else:
        if new is None:
            print(format_panel(panel(old), metric_names()))
            print("year over year:" if len(df) else "year over year: no organisation has "
                  "more than one report year")
        if len(df) or new is not None:
            print(format_diff(df, colour=colour, context=args.context, all_rows=args.all))
    if args.csv:
        print(f"wrote {args.csv} ({len(df)} rows)")
    return 0


def cmd_report(args) -> int:
    from .report import build_report

    page = args.html
    if page is None:
        if "://" in str(args.tables):
            print("extract report: give --html FILE for an output that is not a local folder",
                  file=sys.stderr)
            return 2
        page = str(Path(args.tables) / "report.html")
    try:
        rep = build_report(args.tables, raw_dir=args.raw, against=args.against)
    except FileNotFoundError as exc:
        print(f"extract report: {exc}", file=sys.stderr)
        return 2
    Path(page).write_text(rep.html, encoding="utf-8")
    print(f"wrote {page}: {rep.documents} documents, {rep.highlighted} metrics highlighted")
    for path, why in rep.missing:
        print(f"  no text for {path}: {why}", file=sys.stderr)
    return 0


def _inputs() -> str:
    from .batch import PATTERNS

    return ", ".join(PATTERNS) + " in any case"


_INPUTS = _inputs()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="extract", description=__doc__.split("\n")[0])
    p.add_argument("--version", action="version", version=f"extract {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="extract every article below a folder into Parquet tables")
    r.add_argument("input", metavar="IN_DIR",
                   help=f"folder of articles to read ({_INPUTS}; recursive) or one such file")
    r.add_argument("--out", required=True, metavar="OUT_DIR",
                   help="folder to write the Parquet tables into (created if missing)")
    r.add_argument("--rules", default=None, metavar="DIR",
                   help="rules folder to read (default: the shipped rules)")
    r.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="worker processes (default: all cores)")
    r.add_argument("--max-bytes", type=int, default=50 * 1024 * 1024,
                   help="refuse input files larger than this (default 50 MB)")
    r.add_argument("--strict", action="store_true", help="exit 1 if any file failed")
    r.add_argument("--force", action="store_true",
                   help="write into --out even if it holds files that are not extract output")
    r.add_argument("--follow-symlinks", action="store_true",
                   help="read symlinks whose target is outside the input folder (default: "
                        "such a link is an error row)")
    r.add_argument("--engine", choices=["local", "dask"], default="local",
                   help="local: worker processes on this machine (default); dask: a Dask "
                        "cluster (pip install -e '.[dask]' in a checkout); IN_DIR and --out "
                        "may then be "
                        "fsspec URLs (s3://, gcs://, file://)")
    r.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="with --engine dask: a running scheduler (tcp://host:8786); default: "
                        "a local cluster of --jobs worker processes")
    r.add_argument("--partition-size", type=int, default=100, metavar="N",
                   help="with --engine dask: input files per task and per part file "
                        "(default 100)")
    r.set_defaults(func=cmd_run)

    s = sub.add_parser("show", help="print the facts of one article, each with its context")
    s.add_argument("file", metavar="FILE|-",
                   help=f"the article to read ({_INPUTS}); - reads standard input (text, or a "
                        "PDF or Word file recognised by its first bytes)")
    s.add_argument("--rules", default=None, metavar="DIR",
                   help="rules folder to read (default: the shipped rules)")
    s.add_argument("--width", type=int, default=100, metavar="N",
                   help="width of the context lines in columns, CJK characters counting two "
                        "(default 100)")
    s.add_argument("--max-bytes", type=int, default=50 * 1024 * 1024, metavar="N",
                   help="refuse a larger file or standard input (default 50 MB)")
    s.add_argument("--why", action="store_true",
                   help="also name the rules that decided each fact, and list every number that "
                        "was not emitted with the rule (trap, date, filter) that blocked it")
    s.set_defaults(func=cmd_show)

    e = sub.add_parser("eval", help="score an output folder against a gold JSONL")
    e.add_argument("gold", help="gold facts (JSONL, see the annotation guide)")
    e.add_argument("--raw", required=True, metavar="RAW_DIR",
                   help="folder of the original articles to read")
    e.add_argument("--tables", default=None, metavar="TABLES_DIR",
                   help="folder of the tables of `extract run` to read (its --out); required")
    e.add_argument("--out", dest="tables", help=argparse.SUPPRESS)   # the former name
    e.add_argument("--verbose", action="store_true", help="list misses, false positives, errors")
    e.add_argument("--json", action="store_true", help="print the report as JSON")
    e.set_defaults(func=cmd_eval)

    rc = sub.add_parser("rules", help="validate a rules folder")
    rc.add_argument("action", choices=["check"], help="check: load and validate every file")
    rc.add_argument("--rules", default=None, metavar="DIR",
                    help="rules folder to read (default: the shipped rules)")
    rc.set_defaults(func=cmd_rules_check)

    d = sub.add_parser("diff", help="compare two outputs (headline values by year, or two runs)")
    d.add_argument("old", metavar="OLD_TABLES",
                   help="folder of tables of `extract run` to read (alone: compare its report "
                        "years)")
    d.add_argument("new", nargs="?", default=None, metavar="NEW_TABLES",
                   help="folder of tables to read and compare with OLD_TABLES")
    d.add_argument("--by", choices=["year", "metric", "run"], default="year",
                   help="year: headline value per organisation and metric (default); metric: "
                        "the same, but one organisation on each side is compared by metric "
                        "alone even when they differ; run: the same articles processed twice, "
                        "row by row")
    d.add_argument("--csv", metavar="FILE", help="also write the full comparison to this CSV "
                                                 "file")
    d.add_argument("--all", action="store_true",
                   help="also list label-only rows that are on one side only")
    d.add_argument("--context", action="store_true",
                   help="print each side's sentence and how the headline was chosen")
    d.set_defaults(func=cmd_diff)

    rp = sub.add_parser("report", help="write one self-contained HTML page for an output")
    rp.add_argument("tables", metavar="TABLES_DIR",
                    help="folder of the tables of `extract run` to read (its --out)")
    rp.add_argument("--html", default=None, metavar="FILE",
                    help="the page to write (default: TABLES_DIR/report.html)")
    rp.add_argument("--raw", default=None, metavar="RAW_DIR",
                    help="folder of the original articles to read (default: the run's input "
                         f"folder; {_INPUTS})")
    rp.add_argument("--against", default=None, metavar="OLD_TABLES",
                    help="another folder of tables to read and compare with (adds a headline "
                         "diff and its years)")
    rp.set_defaults(func=cmd_report)
    return p


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that a run cleans up as for Ctrl-C."""


def _stopping(received: list):
    """A handler for SIGINT and SIGTERM: note the signal, raise KeyboardInterrupt or
    _Terminated where the main thread is (a run removes its temporary files on the way out).
    The note covers an exception Python swallows (one raised inside a __del__)."""
    def handler(signum, frame):
        received.append(signum)
        raise KeyboardInterrupt() if signum == signal.SIGINT else _Terminated()
    return handler


def _stopped(args, signum: int) -> int:
    how = "Ctrl-C (SIGINT)" if signum == signal.SIGINT else "SIGTERM"
    line = f"extract {args.command}: stopped by {how}"
    if args.command == "run":
        line += f"; temporary files removed, {args.out} holds the last complete run"
    print(line, file=sys.stderr)
    return 128 + signum


def main(argv: list[str] | None = None) -> int:
    from .errors import EvalError
    from .rules import RuleError

    args = build_parser().parse_args(argv)
    # argv None: the `extract` program (or python -m extract); the process ends with the command
    args.as_program = argv is None
    received: list[int] = []
    try:
        previous = {sig: signal.signal(sig, _stopping(received))
                    for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:            # not the main thread: leave signals alone
        previous = {}
    try:
        code = args.func(args)
        return _stopped(args, received[0]) if received else code
    except RuleError as exc:
        print(f"extract: bad rules: {exc}", file=sys.stderr)
        return 2
    except EvalError as exc:
        print(f"extract eval: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except (KeyboardInterrupt, _Terminated):
        return _stopped(args, received[0] if received else signal.SIGINT)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
