"""The project as a wheel (issue 12): its packages and data are found without a hand list, and the knowledge
base works from an installation in a clean virtual environment, away from the checkout."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(argv, cwd=cwd, env={**clean, **env}, capture_output=True, text=True, timeout=600)


def test_the_wheel_installs_in_a_clean_environment_and_answers_a_question(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy, so building leaves nothing in the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv*", "var", "models", ".git", "build", "*.egg-info", "__pycache__", ".pytest_cache", "tests"))
    built = _run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-q",
                  "-w", str(tmp_path / "dist")], cwd=source)
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = (tmp_path / "dist").glob("hutong-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("knowledge/cards/allowances.yml", "nlu/jieba/domain.txt", "records/migrations/env.py",
                   "records/data/villages.yml", "bot/domain/core.yml", "nlu/components/danger_assessor.py"):
        assert needed in names, needed

    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path).returncode == 0
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=tmp_path).stdout.strip())
    # The third-party libraries come from the app runtime (no network here); the project only from the wheel.
    (site / "app_runtime_libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr[-2000:]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run([str(python), "-c", "import knowledge; print(knowledge.__file__)"], cwd=elsewhere)
    assert where.stdout.strip().startswith(str(site)), where.stdout + where.stderr
    index = {"KNOWLEDGE_INDEX_DIR": str(tmp_path / "index")}
    build = _run([str(python), "-m", "knowledge", "build"], cwd=elsewhere, **index)
    assert build.returncode == 0, build.stderr[-2000:]
    asked = _run([str(python), "-m", "knowledge", "ask", "散居孤儿每个月补助多少钱"], cwd=elsewhere, **index)
    assert asked.returncode == 0 and "orphan" in asked.stdout, asked.stdout[-2000:] + asked.stderr[-2000:]
