"""Real servers for the tests, each a subprocess on a free loopback port: a Chroma server
(``chroma run`` from the installed chromadb) and llama-cpp-python's OpenAI-compatible server
(the browser chat's ``python app.py`` is started by tests/test_ui_app.py with the same helpers).

``Server.start`` returns once the server answers HTTP, or fails with the end of its log.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent  # the virtual environment's scripts: chroma, qa


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    args: list[str]
    url: str  # what clients use
    ready: str  # a URL that answers 200 once the server is up
    log: Path
    env: dict[str, str] | None = None
    process: subprocess.Popen[bytes] | None = None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def start(self, timeout: float = 120) -> Server:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(self.args, stdout=out, stderr=subprocess.STDOUT,
                                            env=self.env)
        wait_until_up(self.process, self.ready, timeout, self.output)
        return self

    def stop(self) -> None:
        if self.process is not None:
            terminate(self.process)
        self.process = None


def wait_until_up(process: subprocess.Popen[bytes], url: str, seconds: float,
                  output: Callable[[], str]) -> None:
    """Return once ``url`` answers; if the process exits or time runs out, stop it and fail
    with the end of its ``output()``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{process.args} exited:\n{output()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    terminate(process)
    raise AssertionError(f"no answer on {url} after {seconds} s:\n{output()[-3000:]}")


def terminate(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def chroma(data: Path, port: int | None = None) -> Server:
    """``chroma run`` keeping its data in ``data`` (not started yet)."""
    port = port or free_port()
    data.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    return Server([str(BIN / "chroma"), "run", "--path", str(data), "--host", "127.0.0.1",
                   "--port", str(port)], url, f"{url}/api/v2/heartbeat",
                  data.parent / f"chroma-{port}.log")


def llama_server(model: Path, log_dir: Path, n_ctx: int = 2048, seed: int = 0) -> Server:
    """``python -m llama_cpp.server`` serving ``model`` (not started yet)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    return Server([sys.executable, "-m", "llama_cpp.server", "--model", str(model),
                   "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx),
                   "--seed", str(seed)], url, f"{url}/models",
                  log_dir / f"llama-server-{port}.log", env)
