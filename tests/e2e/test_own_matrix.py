"""Each release is judged by its own matrix: `verify --all-variants` reads the table at the
release's tag, so a release made before a CPython was added verifies complete."""

from __future__ import annotations

from pathlib import Path

from tests.support.artifacts import make_wheel
from tests.support.cli import Cli
from tests.support.gitrepo import GitRepo
from tests.support.servers import LocalIndex

TABLE = """
[tool.wheeltrain]
python = {python}
archs = ["x86_64"]

[tool.wheeltrain.variants.main]
distribution = "demo-own"
import-name = "demo_own"
"""


def test_a_release_made_before_a_cpython_was_added_verifies_complete(
    tmp_path: Path, index: LocalIndex, cli: Cli
) -> None:
    repo = GitRepo.create(tmp_path / "r", name="demo-own", version="0.4.0")
    pyproject = repo.root / "pyproject.toml"
    base = pyproject.read_text()
    pyproject.write_text(base + TABLE.format(python='["3.12"]'))
    repo.build(["chore: table", ("tag", "v0.4.0")])
    pyproject.write_text(base + TABLE.format(python='["3.12", "3.13"]'))  # 3.13 added later
    repo.build(["feat: 3.13"])
    index.upload(
        [make_wheel(tmp_path / "d", "demo-own", "0.4.0", "cp312-cp312-manylinux_2_28_x86_64")]
    )
    old = cli("verify", "--all-variants", "0.4.0", "--index-url", index.url + "/simple/",
              "--project", str(repo.root))  # fmt: skip
    assert old.code == 0, old.out + old.err
    assert "note: judged by the configuration at v0.4.0" in old.out
    # a version with no tag here is judged by today's table, and says so
    index.upload(
        [make_wheel(tmp_path / "d", "demo-own", "0.5.0", "cp312-cp312-manylinux_2_28_x86_64")]
    )
    new = cli("verify", "--all-variants", "0.5.0", "--index-url", index.url + "/simple/",
              "--project", str(repo.root))  # fmt: skip
    assert new.code == 1
    assert "judged by today's configuration (no tag v0.5.0 here)" in new.out
    assert "cp313" in new.out
