"""Debian's Chromium and a CJK font for the staff desk's browser tests, installed with apt-get when missing.

Playwright for Python drives ``/usr/bin/chromium`` through ``executable_path``: no browser download, works
offline. ``fonts-noto-cjk`` makes screenshots show Chinese instead of boxes.

Command line::

    python -m tests.services.browser install
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGES = ("chromium", "fonts-noto-cjk")
CHROMIUM = Path("/usr/bin/chromium")
CJK_FONT_DIR = Path("/usr/share/fonts/opentype/noto")
# Chromium's flags for a closed network, as root, in a container (no sandbox, no GPU, no background traffic).
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


class BrowserMissing(RuntimeError):
    """Chromium or the CJK font is not installed and could not be."""


def _missing() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append("chromium")
    if not any(CJK_FONT_DIR.glob("NotoSansCJK*")) and not any(Path("/usr/share/fonts").rglob("*CJK*")):
        missing.append("fonts-noto-cjk")
    return missing


def install() -> None:
    """apt-get install what is missing of ``PACKAGES`` (needs root, as the PostgreSQL install does)."""
    missing = _missing()
    if not missing:
        return
    if os.geteuid() != 0:
        raise BrowserMissing(f"missing {', '.join(missing)}: install with 'sudo apt-get install {' '.join(missing)}'")
    if shutil.which("apt-get") is None:
        raise BrowserMissing(f"missing {', '.join(missing)} and there is no apt-get to install them with")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if subprocess.run(command, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(command, env=env, check=True)
    if _missing():
        raise BrowserMissing(f"apt-get ran, yet {', '.join(_missing())} is still missing")


if __name__ == "__main__":
    if sys.argv[1:] == ["install"]:
        install()
        print("chromium and fonts-noto-cjk are installed")
    else:
        print(__doc__)
        sys.exit(2)
