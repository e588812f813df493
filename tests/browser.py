"""The Chromium the browser tests drive: found on the machine, else installed from Debian.

Playwright's own browser download reaches a CDN that an offline machine (and this project's
CI) cannot; the system's Chromium is the one it drives. ``chromium()`` looks for it
(``$CHROMIUM``, then ``chromium`` / ``chromium-browser`` on the PATH) and, when there is
none, installs Debian's ``chromium`` package with apt-get (as root, or through passwordless
sudo), once per machine, so that the README's ``pytest`` passes on a fresh machine as
written. Where it can do neither it fails with the command to run.

Left out: other package managers than apt-get.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

NAMES = ("chromium", "chromium-browser")
INSTALL = ["apt-get", "install", "-y", "-q", "chromium"]


def _found() -> str | None:
    named = os.environ.get("CHROMIUM")
    if named:
        return named if Path(named).exists() else None
    return next((p for p in map(shutil.which, NAMES) if p), None)


def chromium() -> str:
    """The browser's path; installs it the first time on a machine that has none."""
    found = _found()
    if found:
        return found
    if os.environ.get("CHROMIUM"):
        raise RuntimeError(f"CHROMIUM={os.environ['CHROMIUM']} does not exist.")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if sudo and not shutil.which("sudo") or not shutil.which("apt-get"):
        raise RuntimeError("No Chromium on this machine. Install it: sudo apt-get install "
                           "chromium (or set CHROMIUM to a Chromium binary).")
    # Two test processes (or a parallel run) install once: the second waits for the first.
    with open(Path(tempfile.gettempdir()) / "qa-chromium-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = _found()
        if found:
            return found
        for command in (sudo + ["apt-get", "update", "-q"], sudo + INSTALL):
            done = subprocess.run(command, capture_output=True, text=True, timeout=900,
                                  env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
            if done.returncode != 0:
                raise RuntimeError(f"No Chromium, and {' '.join(command)} failed "
                                   f"({done.returncode}): {done.stderr.strip()[-400:]}")
    found = _found()
    if not found:
        raise RuntimeError(f"{' '.join(INSTALL)} ran but no {' or '.join(NAMES)} is on the "
                           "PATH; set CHROMIUM to the browser's path.")
    return found
