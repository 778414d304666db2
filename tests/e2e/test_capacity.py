"""`publish` asks the index how much each project holds and stops a release that PyPI would
refuse part-way, before anything is uploaded (the check job runs it before the tag)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.artifacts import make_wheel
from tests.support.cli import Cli
from tests.support.servers import json_index

GIB = 1024**3
TAG = "cp312-cp312-manylinux_2_28_x86_64"


def _page(name: str, sizes: list[int]) -> bytes:
    stem = name.replace("-", "_")
    files = [
        {
            "filename": f"{stem}-0.3.{n}-{TAG}.whl",
            "url": f"/files/{stem}-0.3.{n}-{TAG}.whl",
            "hashes": {"sha256": f"{n:064x}"},
            "size": size,
        }
        for n, size in enumerate(sizes)
    ]
    return json.dumps({"meta": {"api-version": "1.1"}, "name": name, "files": files}).encode()


def _project(root: Path, names: list[str], extra: str = "") -> Path:
    root.mkdir()
    tables = "".join(
        f'[tool.wheeltrain.variants.v{n}]\ndistribution = "{name}"\nimport-name = "m{n}"\n{extra}\n'
        for n, name in enumerate(names)
    )
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.4.0"\n\n[tool.wheeltrain]\npython = ["3.12"]\n'
        f'archs = ["x86_64"]\n\n{tables}'
    )
    return root


def test_a_release_past_the_project_limit_uploads_nothing(tmp_path: Path, cli: Cli) -> None:
    name = "mooncake-transfer-engine"
    held = [GIB] * 9 + [GIB - 4096]  # 10 GiB less 4 KiB on the index already
    wheel = make_wheel(tmp_path / "dist", name, "0.4.0", TAG, payload="x" * 20000)
    project = _project(tmp_path / "project", [name])
    with json_index(lambda n: _page(n, held) if n == name else None) as simple:
        args = ("publish", str(tmp_path / "dist"), "--version", "0.4.0", "--repository-url",
                simple.replace("/simple/", "/legacy/"), "--index-url", simple,
                "--project", str(project))  # fmt: skip
        stopped = cli(*args, "--dry-run")
        assert stopped.code == 1
        assert f"  {name}: 10.00 GiB on the index + " in stopped.err
        assert "over its project limit of 10.00 GiB" in stopped.err
        assert stopped.err.strip().endswith("nothing was uploaded")
        # the real upload stops at the same place: twine is never started
        assert cli(*args).code == 1
    # the project was granted 20 GiB: the same release passes the dry run
    granted = _project(tmp_path / "granted", [name], "max-project-size-gb = 20")
    with json_index(lambda n: _page(n, held) if n == name else None) as simple:
        ok = cli("publish", str(tmp_path / "dist"), "--version", "0.4.0", "--repository-url",
                 simple.replace("/simple/", "/legacy/"), "--index-url", simple,
                 "--project", str(granted), "--dry-run", "--json")  # fmt: skip
        assert ok.code == 0, ok.err
        assert ok.json()["upload"] == [wheel.name]
        assert ok.json()["notes"] == []


def test_more_new_projects_than_a_day_allows_upload_nothing(tmp_path: Path, cli: Cli) -> None:
    names = [f"demo-variant-{n}" for n in range(5)]
    for name in names:
        make_wheel(tmp_path / "dist", name, "0.4.0", TAG)
    project = _project(tmp_path / "project", names)
    with json_index(lambda n: None) as simple:  # none of the names exists yet
        result = cli("publish", str(tmp_path / "dist"), "--version", "0.4.0", "--repository-url",
                     simple.replace("/simple/", "/legacy/"), "--index-url", simple,
                     "--project", str(project), "--dry-run")  # fmt: skip
    assert result.code == 1
    assert "5 new projects in one release (demo-variant-0, demo-variant-1" in result.err
    assert "create 4 of them first" in result.err
