"""The README's Python example (the ```python block of its "## Python" section) runs as written,
in a fresh working directory."""
from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

from conftest import ROOT


def readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the README's Python section has one ```python example"
    return blocks[0]


def test_readme_example_runs(tmp_path: Path) -> None:
    code = readme_example()
    previous = os.getcwd()
    os.chdir(tmp_path)
    try:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md (Python example)", "exec"), {"__name__": "__readme__"})
    finally:
        os.chdir(previous)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("['mask_id', 'r'] (")
    assert lines[1] == "33 nosuch"
    assert (tmp_path / "demo-db").is_dir()
