"""The command line, run as a user runs it: ``python -m extract ...`` in a scratch folder.

Every command is a thin call into the library, so these tests check the wiring (arguments,
exit codes, messages, files written) rather than extraction quality.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import extract
from conftest import DEV_DOCS, DEV_GOLD, REPO
from extract.cli import build_parser

TABLE_FILES = {"documents.parquet", "metrics.parquet", "dates.parquet", "rejects.parquet"}


def cli(*args, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``python -m extract *args`` in ``cwd`` (never the repository), capturing output."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run([sys.executable, "-m", "extract", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    """Subcommand name -> its parser, from the CLI's own parser (new commands are covered)."""
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return dict(action.choices)


@pytest.fixture(scope="module")
def cli_run(raw_dir, tmp_path_factory) -> tuple[Path, str]:
    """``extract run`` over the dev articles, once: (output folder, what it printed)."""
    work = tmp_path_factory.mktemp("cli")
    out = work / "out"
    proc = cli("run", raw_dir, "--out", out, "--jobs", "1", cwd=work)
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout


@pytest.fixture(scope="module")
def cli_out(cli_run) -> Path:
    return cli_run[0]


@pytest.fixture
def small_in(tmp_path) -> Path:
    """Three short articles, quick to extract."""
    d = tmp_path / "in"
    d.mkdir()
    for n, text in enumerate(["2025年，分局共破获刑事案件398起，同比下降8.2%。",
                              "抓获犯罪嫌疑人 2 7 人，追赃挽损1.73亿元。",
                              "查处治安案件856起，其中抓获网上在逃人员53人。"]):
        (d / f"a{n}.txt").write_text(text, encoding="utf-8")
    return d


# --- run -------------------------------------------------------------------------------------

def test_run_writes_four_tables_and_a_summary(cli_run):
    cli_out, summary = cli_run
    assert TABLE_FILES <= {p.name for p in cli_out.iterdir()}
    assert re.search(rf"\b{len(DEV_DOCS)} documents \({len(DEV_DOCS)} ok, 0 failed\)", summary)
    assert re.search(r"\b\d+ metrics, \d+ dates, \d+ rejects\b", summary)
    tables = extract.read(cli_out)
    assert sorted(tables["documents"]["path"]) == sorted(DEV_DOCS)
    assert len(tables["metrics"]) > 50


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_run_program_does_not_import_pandas(small_in, tmp_path):
    """`extract run` as a program keeps pyarrow from importing pandas (start-up time)."""
    code = (
        "import sys\n"
        f"sys.argv = ['extract', 'run', {str(small_in)!r}, '--out', {str(tmp_path / 'out')!r}]\n"
        "from extract.cli import main\n"
        "assert main() == 0\n"
        "assert 'pandas' not in sys.modules, 'pandas was imported by extract run'\n"
    )
    proc = _python(code, tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_main_called_in_process_leaves_pyarrow_and_pandas_intact(small_in, tmp_path):
    """main([...]) from a notebook or script must not change how pyarrow treats pandas later in
    that process (the program-only shortcut above would: NaN in a Series would stop being null)."""
    code = (
        "from extract.cli import main\n"
        f"assert main(['run', {str(small_in)!r}, '--out', {str(tmp_path / 'out')!r}]) == 0\n"
        "import math, pandas as pd, pyarrow as pa, extract\n"
        "assert pa.array(pd.Series([1.0, math.nan])).null_count == 1\n"
        f"t = extract.read({str(tmp_path / 'out')!r})\n"
        "assert len(t['metrics']) >= 4\n"
    )
    proc = _python(code, tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_run_missing_input_exits_2(tmp_path):
    proc = cli("run", tmp_path / "no_such_folder", "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 2
    assert "no_such_folder" in proc.stderr and "not found" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_run_refuses_a_foreign_output_folder_unless_forced(small_in, tmp_path):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "notes.md").write_text("my notes", encoding="utf-8")
    proc = cli("run", small_in, "--out", out, "--jobs", "1", cwd=tmp_path)
    assert proc.returncode == 2
    assert "notes.md" in proc.stderr and "--force" in proc.stderr
    assert not any(p.suffix == ".parquet" for p in out.iterdir())

    proc = cli("run", small_in, "--out", out, "--jobs", "1", "--force", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert TABLE_FILES <= {p.name for p in out.iterdir()}
    assert (out / "notes.md").read_text(encoding="utf-8") == "my notes"


def test_run_again_into_its_own_output_is_allowed(small_in, tmp_path):
    out = tmp_path / "out"
    extract.run(small_in, out, jobs=1)  # a previous output (made in process: faster)
    proc = cli("run", small_in, "--out", out, "--jobs", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len(extract.read(out)["documents"]) == 3


def test_run_with_broken_rules_exits_2_naming_the_file(raw_dir, tmp_path, rules_copy):
    rules = rules_copy("traps.toml", lambda t: t.replace("[[trap]]", "[[trap", 1))
    proc = cli("run", raw_dir, "--out", tmp_path / "out", "--rules", rules, cwd=tmp_path)
    assert proc.returncode == 2
    assert "traps.toml" in proc.stderr and "bad rules" in proc.stderr
    assert "Traceback" not in proc.stderr


# --- show, eval, rules -----------------------------------------------------------------------

def test_show_prints_the_metrics_of_an_article(raw_dir, tmp_path):
    proc = cli("show", raw_dir / "2025_weibin.txt", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "2025_weibin.txt" in out
    assert re.search(r"metrics \(\d+\)", out)
    for needle in ("2127", "suspects_arrested", "fugitives_arrested", "卫滨"):
        assert needle in out, needle


def test_show_with_broken_rules_exits_2(raw_dir, tmp_path, rules_copy):
    rules = rules_copy("metrics.toml", lambda t: t.replace('id = "gangs_busted"',
                                                             'id = "prosecuted"'))
    proc = cli("show", raw_dir / "2025_weibin.txt", "--rules", rules, cwd=tmp_path)
    assert proc.returncode == 2
    assert "metrics.toml" in proc.stderr and "prosecuted" in proc.stderr


@pytest.fixture
def gold() -> Path:
    if not DEV_GOLD.is_file():
        pytest.skip(f"gold file not found: {DEV_GOLD}")
    return DEV_GOLD


def test_eval_prints_the_headline_lines(gold, raw_dir, cli_out, tmp_path):
    proc = cli("eval", gold, "--raw", raw_dir, "--out", cli_out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    heads = [line.split()[0] for line in proc.stdout.splitlines() if line.strip()
             and not line.startswith(" ")]
    for head in ("gold", "output", "metrics", "unit", "qualifier", "kind", "change", "metric",
                 "label", "dates", "org", "report_year"):
        assert head in heads, (head, proc.stdout)
    assert re.search(r"^metrics\s+P \d\.\d{3} \(\d+/\d+\)\s+R .* F1 \d\.\d{3}$", proc.stdout,
                     re.M), proc.stdout


def test_eval_json_and_verbose(gold, raw_dir, cli_out, tmp_path):
    proc = cli("eval", gold, "--raw", raw_dir, "--out", cli_out, "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert {"metrics", "attributes", "metric_id", "dates", "documents", "issues"} <= set(report)
    assert report["metrics"]["f1"] is not None

    proc = cli("eval", gold, "--raw", raw_dir, "--out", cli_out, "--verbose", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().splitlines()[-1].startswith("report_year")


def test_eval_on_a_folder_without_output_exits_2(gold, raw_dir, tmp_path):
    proc = cli("eval", gold, "--raw", raw_dir, "--out", tmp_path, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() and "Traceback" not in proc.stderr


def test_rules_check_passes_on_the_shipped_rules(tmp_path):
    proc = cli("rules", "check", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "rules OK" in proc.stdout


def test_rules_check_names_the_broken_file(tmp_path, rules_copy):
    rules = rules_copy("units.toml", lambda t: t.replace('surface = "枚"\nkind = "count"',
                                                           'surface = "枚"\nkind = "counts"'))
    proc = cli("rules", "check", "--rules", rules, cwd=tmp_path)
    assert proc.returncode == 2
    assert "units.toml" in proc.stderr and "枚" in proc.stderr


# --- help and documentation ------------------------------------------------------------------

def test_top_level_help_and_version(tmp_path):
    proc = cli("--help", cwd=tmp_path)
    assert proc.returncode == 0
    for name in _subcommands():
        assert name in proc.stdout
    proc = cli("--version", cwd=tmp_path)
    assert proc.returncode == 0 and extract.__version__ in proc.stdout


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_every_subcommand_has_help(command, capsys):
    """In process (a subprocess each would cost seconds): ``extract CMD --help`` exits 0."""
    from extract.cli import main

    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: extract {command}")
    assert _subcommands()[command].format_help() == out
    # and the top-level help gives the subcommand a one-line description
    top = build_parser().format_help()
    assert re.search(rf"^\s+{command}\s+\S", top, re.M), top


def _readme_commands() -> list[list[str]]:
    """Commands shown in README.md code blocks: lines starting with ``extract `` or
    ``.venv/bin/extract `` (comments after # dropped)."""
    readme = REPO / "README.md"
    if not readme.is_file():
        return []
    commands, in_block = [], False
    for line in readme.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            in_block = not in_block
            continue
        text = line.strip()
        if in_block and re.match(r"(?:\.venv/bin/)?extract\s", text):
            commands.append(shlex.split(text.split(" #")[0])[1:])
    return commands


def test_readme_commands_exist():
    """Lenient on purpose: each documented command names a real subcommand, and each of its
    --options is one that subcommand accepts."""
    commands = _readme_commands()
    if not commands:
        pytest.skip("README.md shows no extract commands")
    subs = _subcommands()
    for argv in commands:
        assert argv and argv[0] in subs, f"README shows unknown command: extract {' '.join(argv)}"
        known = {s for a in subs[argv[0]]._actions for s in a.option_strings}
        for opt in (a.split("=")[0] for a in argv[1:] if a.startswith("--")):
            assert opt in known, f"README shows extract {argv[0]} {opt}, which it does not accept"


def test_cli_docstring_usage_matches_the_parser():
    """The usage lines at the top of cli.py name real subcommands too."""
    import extract.cli

    subs = _subcommands()
    usage = [line.split()[1] for line in (extract.cli.__doc__ or "").splitlines()
             if line.strip().startswith("extract ")]
    assert usage and set(usage) <= set(subs)


def test_every_run_option_is_in_the_readme():
    """Each option of `extract run` is mentioned in README.md (the run options paragraph, or the
    Dask section for the engine's own options)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    options = {s for a in _subcommands()["run"]._actions for s in a.option_strings} - {"-h",
                                                                                       "--help"}
    missing = sorted(o for o in options if f"`{o}" not in readme and f" {o} " not in readme)
    assert not missing, f"README does not mention extract run {', '.join(missing)}"
