"""Real servers for the tests, each a subprocess on a free loopback port: a Chroma server
(``chroma run`` from the installed chromadb) and llama-cpp-python's OpenAI-compatible server.

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
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.args[0]} exited:\n{self.output()[-3000:]}")
            try:
                with urllib.request.urlopen(self.ready, timeout=2):
                    return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"no answer on {self.ready} after {timeout} s:\n"
                             f"{self.output()[-3000:]}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


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
