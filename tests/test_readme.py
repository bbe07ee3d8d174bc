"""Every command README.md shows in a ```sh block runs, as sqlite-utils' docs test does: in a
temporary copy of the repository's data (with ../shared beside it), in README order, each with
exit status 0, and everything it writes lands in a folder git ignores. The few that need a
network, a cluster or a fresh virtual environment are skipped, each with its reason."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

# (pattern, reason): commands not run here
SKIPPED = [
    (r"^make (run|test)\b", "creates a virtual environment and installs (make test would run "
                            "this suite again)"),
    (r"^pip install", "installs from the network"),
    (r"--scheduler|s3://|gcs://", "needs a running Dask cluster or an object store"),
]


def sh_commands() -> list[str]:
    """The command lines of README's ```sh blocks (blank lines and comment lines left out)."""
    out, block = [], None
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            block = line[3:].strip() if block is None else None
            continue
        if block == "sh" and line.strip() and not line.lstrip().startswith("#"):
            out.append(line.strip())
    return out


def skip_reason(command: str) -> str | None:
    return next((why for pattern, why in SKIPPED if re.search(pattern, command)), None)


def test_readme_has_commands_and_skips_only_a_few():
    commands = sh_commands()
    assert len(commands) >= 15
    skipped = [c for c in commands if skip_reason(c)]
    assert len(skipped) <= 5, skipped


def _git_ignored(paths: list[str]) -> list[str]:
    """The paths (relative to the repository) that the repository's .gitignore ignores."""
    if not paths or shutil.which("git") is None or not (REPO / ".git").exists():
        return paths
    proc = subprocess.run(["git", "-C", str(REPO), "check-ignore", "--no-index", "--stdin"],
                          input="\n".join(paths), capture_output=True, text=True)
    return proc.stdout.splitlines()


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def test_every_readme_command_runs(raw_dir, tmp_path):
    repo = tmp_path / "repo"
    (repo / "data" / "out").mkdir(parents=True)
    shutil.copytree(raw_dir, repo / "data" / "raw")
    shared = REPO.parent / "shared"
    if shared.is_dir():
        (tmp_path / "shared").symlink_to(shared)
    bin_dir = tmp_path / "bin"           # `extract` as installed: this checkout's sources
    bin_dir.mkdir()
    shim = bin_dir / "extract"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m extract "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONIOENCODING="utf-8")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    before = _files(repo)
    ran, skipped = [], []
    for command in sh_commands():
        why = skip_reason(command)
        if why is None and "../shared" in command and not shared.is_dir():
            why = "../shared is absent"
        if why:
            skipped.append((command, why))
            continue
        proc = subprocess.run(["bash", "-c", command], cwd=repo, env=env, capture_output=True,
                              text=True, encoding="utf-8", timeout=600,
                              stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, f"README command failed: {command}\n{proc.stderr[-2000:]}"
        assert "None" not in proc.stdout, f"{command} printed None:\n{proc.stdout[:2000]}"
        ran.append(command)
    assert len(ran) >= 12 and all(why for _, why in skipped)
    written = sorted(_files(repo) - before)
    assert written, "the README commands wrote nothing"
    not_ignored = sorted(set(written) - set(_git_ignored(written)))
    assert not not_ignored, f"README commands wrote files git does not ignore: {not_ignored[:5]}"
