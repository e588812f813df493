import subprocess
import sys
from pathlib import Path

import pytest

from qa.cli import main

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("command", ["index", "ask", "chat", "stats"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert "usage: qa " + command in capsys.readouterr().out


def test_stats_without_an_index_says_how_to_make_one(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "qa.cli", "stats", "--index",
                          str(tmp_path / "none")], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "No index at" in out.stderr and "qa index" in out.stderr
    assert "Traceback" not in out.stderr


def test_import_qa_is_cheap() -> None:
    heavy = "('torch', 'chromadb', 'llama_cpp')"
    code = f"import sys, qa; print(any(m in sys.modules for m in {heavy}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False"
