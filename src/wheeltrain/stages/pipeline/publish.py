"""Publishing: upload with twine only what the index is missing; then verify the release.

twine 6.1 and newer refuse ``--skip-existing`` for indexes other than PyPI, so the question
"is it there already?" is asked here, of the index itself, before and after every upload:

* a file the index has with the same sha256 is done; with a different sha256 it is an error
  (found before anything is uploaded);
* a failed upload that looks transient (5xx, 429, a dropped connection, a timeout) is retried
  with backoff, after asking the index whether the file arrived after all;
* credentials reach twine through its environment (``TWINE_USERNAME``/``TWINE_PASSWORD``, or
  trusted publishing in CI): never on a command line, never printed.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from wheeltrain.adapters.index import IndexClient, IndexFile
from wheeltrain.adapters.proc import run
from wheeltrain.core.config import TrainConfig
from wheeltrain.core.filenames import FileKey, InvalidFilename, parse_filename
from wheeltrain.core.matrix import ExpectedFile
from wheeltrain.core.redact import redact
from wheeltrain.errors import StepFailed, UsageError

__all__ = [
    "REPOSITORIES",
    "PublishReport",
    "VerifyReport",
    "preflight",
    "publish",
    "read_url_for",
    "sha256_of",
    "verify_release",
]

#: --repository NAME -> (upload URL, read URL; None is PyPI's JSON API)
REPOSITORIES: dict[str, tuple[str, str | None]] = {
    "pypi": ("https://upload.pypi.org/legacy/", None),
    "testpypi": ("https://test.pypi.org/legacy/", "https://test.pypi.org/simple/"),
}

_TRANSIENT = re.compile(
    r"\b(5\d\d|429)\b|Connection ?(reset|aborted|refused|Error)|RemoteDisconnected|"
    r"timed? ?out|Timeout|BrokenPipe|IncompleteRead|Max retries exceeded",
    re.IGNORECASE,
)


def read_url_for(upload_url: str) -> str:
    """Where to read what an upload URL stores: ``…/legacy/`` -> ``…/simple/``; a bare server
    root (pypiserver, devpi index) -> ``<root>/simple/``."""
    url = upload_url.rstrip("/")
    if url.endswith("/legacy"):
        return url[: -len("legacy")] + "simple/"
    return url + "/simple/"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _distribution(path: Path) -> str:
    try:
        return parse_filename(path.name).distribution
    except InvalidFilename as exc:
        raise UsageError(f"{path.name} is not a wheel or sdist file name ({exc})") from None


def _redact(text: str) -> str:
    secrets = [os.environ.get(k, "") for k in ("TWINE_PASSWORD", "PYPI_API_TOKEN")]
    return redact(text, secrets)


@dataclass
class PublishReport:
    uploaded: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    attempts: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"uploaded": self.uploaded, "present": self.present, "attempts": self.attempts}


def _on_index(client: IndexClient, files: Sequence[Path], version: str) -> dict[str, IndexFile]:
    found: dict[str, IndexFile] = {}
    for dist in sorted({_distribution(f) for f in files}):
        for item in client.files(dist, version) or []:
            found[item.filename] = item
    return found


def publish(
    files: Sequence[Path],
    version: str,
    *,
    upload_url: str,
    client: IndexClient,
    attempts: int = 4,
    backoff: float = 1.0,
    upload_timeout: float = 300.0,
    progress: Callable[[str], None] = lambda _: None,
    sleep: Callable[[float], None] = time.sleep,
    config: TrainConfig | None = None,
) -> PublishReport:
    """Upload every file the index does not have yet; idempotent, resumable. Nothing is
    uploaded when part of the release could not be (see :func:`preflight`). One publish of a
    version to an index runs at a time on a machine: a second waits, then finds what the
    first uploaded; the index is asked again right before each upload."""
    from wheeltrain.adapters.files import machine_lock

    dists = ",".join(sorted({_distribution(f) for f in files}))
    with machine_lock(
        f"publish {read_url_for(upload_url)} {dists} {version}",
        f"publishing {version} to {client.where}",
        progress=progress,
    ):
        return _publish_locked(
            files, version, upload_url=upload_url, client=client, attempts=attempts,
            backoff=backoff, upload_timeout=upload_timeout, progress=progress, sleep=sleep,
            config=config,
        )  # fmt: skip


def _publish_locked(
    files: Sequence[Path],
    version: str,
    *,
    upload_url: str,
    client: IndexClient,
    attempts: int,
    backoff: float,
    upload_timeout: float,
    progress: Callable[[str], None],
    sleep: Callable[[float], None],
    config: TrainConfig | None,
) -> PublishReport:
    report = PublishReport()
    notes: list[str] = []
    report.present, missing = preflight(
        files, version, upload_url=upload_url, client=client, config=config, notes=notes
    )
    for note in notes:
        progress(f"note: {note}")
    for path in missing:
        sha = sha256_of(path)
        # asked again right before the upload: another run may have sent it meanwhile
        arrived = _on_index(client, [path], version).get(path.name)
        if arrived is not None:
            problem = _compare(client, arrived, path, sha, upload_url)
            if problem:
                raise StepFailed(problem)
            report.present.append(path.name)
            continue
        _upload_one(
            path,
            sha,
            version,
            upload_url=upload_url,
            client=client,
            attempts=attempts,
            backoff=backoff,
            upload_timeout=upload_timeout,
            progress=progress,
            sleep=sleep,
            report=report,
        )
    return report


class CapacityExceeded(StepFailed):
    """The index would refuse part of the release: one line per problem in ``problems``."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(
            f"{len(problems)} of PyPI's limits would stop this release part-way "
            f"({problems[0]}{' ...' if len(problems) > 1 else ''}): nothing was uploaded"
        )
        self.problems = list(problems)


def capacity_preflight(
    missing: Sequence[Path],
    client: IndexClient,
    config: TrainConfig | None,
    progress: Callable[[str], None] = lambda _: None,
) -> list[str]:
    """Will the index take ``missing`` whole: each distribution's project size after the
    upload against its limit (from the index's own file sizes), and new projects against
    PyPI's daily limit. Raises :class:`CapacityExceeded`; returns the notes (room running
    out, an index that gives no sizes)."""
    from wheeltrain.core.capacity import GIB, Usage, check_capacity
    from wheeltrain.core.config import canonical_name

    uploads: dict[str, list[int]] = {}
    for path in missing:
        uploads.setdefault(_distribution(path), []).append(path.stat().st_size)
    limits = {}
    for dist in uploads:
        variant = None
        if config is not None:
            variant = next(
                (v for v in config.variants if canonical_name(v.distribution) == dist), None
            )
        limits[dist] = int((variant.max_project_size_gb if variant else 10) * GIB)
    usage = {}
    for dist in uploads:
        progress(f"asking {client.where} how much {dist} holds")
        held = client.project_files(dist)
        sizes = [f.size for f in held]
        used = None if any(size is None for size in sizes) else sum(s or 0 for s in sizes)
        usage[dist] = Usage(dist, bool(held), used)
    problems, notes = check_capacity(
        uploads,
        usage,
        limits,
        new_projects_per_day=config.new_projects_per_day if config is not None else 4,
    )
    if problems:
        raise CapacityExceeded(problems)
    return notes


def preflight(
    files: Sequence[Path],
    version: str,
    *,
    upload_url: str,
    client: IndexClient,
    config: TrainConfig | None = None,
    notes: list[str] | None = None,
) -> tuple[list[str], list[Path]]:
    """What an upload of ``files`` must do, asked of the index before anything is sent:
    (names already there with the same sha256, files to upload). A different file under a
    name the index has, or an upload PyPI's size and new-project limits would stop part-way
    (:func:`capacity_preflight`), stops it here, with nothing uploaded; ``notes`` gathers
    what the maintainer should know."""
    if not files:
        raise UsageError("nothing to publish: the dist folder holds no wheels or sdists")
    _check_versions(files, version)
    local = {f.name: (f, sha256_of(f)) for f in files}
    there = _on_index(client, files, version)
    conflicts = []
    for name, (path, sha) in sorted(local.items()):
        if name in there:
            problem = _compare(client, there[name], path, sha, upload_url)
            if problem:
                conflicts.append(problem)
    if conflicts:
        raise StepFailed("; ".join(conflicts) + ": nothing was uploaded")
    present = sorted(name for name in local if name in there)
    missing = [f for name, (f, _) in sorted(local.items()) if name not in there]
    found = capacity_preflight(missing, client, config)
    if notes is not None:
        notes.extend(found)
    return present, missing


def _check_versions(files: Sequence[Path], version: str) -> None:
    """Every file is of the release being published (``--version``)."""
    from packaging.version import InvalidVersion, Version

    try:
        wanted = Version(version)
    except InvalidVersion:
        raise UsageError(f"--version {version!r} is not a PEP 440 version") from None
    wrong = []
    for path in files:
        try:
            found = parse_filename(path.name).version
        except InvalidFilename as exc:
            raise UsageError(f"{path.name} is not a wheel or sdist file name ({exc})") from None
        if found != wanted:
            wrong.append(f"{path.name} is {found}")
    if wrong:
        raise UsageError(
            f"not all files are of the release {version}: {'; '.join(wrong)}: publish one "
            "release's files at a time"
        )


def _on_pypi(upload_url: str) -> bool:
    return "upload.pypi.org" in upload_url or "test.pypi.org" in upload_url


def _compare(
    client: IndexClient, item: IndexFile, path: Path, sha: str, upload_url: str
) -> str | None:
    """Why the index's ``item`` is not ``path`` (sha256 ``sha``), or None when it is. With no
    digest from the index the file is downloaded; a copy that is the start of the local file
    is named as truncated."""
    if item.sha256 and item.sha256 == sha:
        return None
    body = client.download(item)
    theirs = hashlib.sha256(body).hexdigest()
    if theirs == sha:
        return None
    local = path.read_bytes()
    if len(body) < len(local) and local.startswith(body) and not _on_pypi(upload_url):
        return (
            f"the index holds a truncated copy of {path.name} ({len(body)} of {len(local)} "
            "bytes; the server ran out of space or the upload was cut): delete that file on the "
            "server, then re-run publish"
        )
    return (
        f"the index holds a different file under the name {path.name} (index sha256 {theirs}, "
        f"local {sha}): a published file cannot be replaced; release a new version"
    )


#: Colour and cursor escape sequences (twine's rich output when it thinks it has a terminal).
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_HTTP_STATUS = re.compile(r"HTTPError: (\d{3})\b")
_TWINE_RETRIED = re.compile(r'Received "5\d\d')


def _twine_error(output: str) -> str:
    """The line of twine's output that says what went wrong, without colours or padding."""
    text = _ANSI.sub("", output)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    at = next((i for i, line in enumerate(lines) if line.startswith("ERROR")), None)
    chosen = " ".join(lines[at:]) if at is not None else (lines[-1] if lines else "")
    chosen = chosen.removeprefix("ERROR").strip()
    return _redact(chosen if len(chosen) <= 240 else chosen[:237] + "...")


def _final_failure(path: Path, output: str, error: str) -> StepFailed:
    """The one line for an upload that will not succeed by trying again, or the re-run hint."""
    dist = _distribution(path)
    status = _HTTP_STATUS.search(_ANSI.sub("", output))
    code = status[1] if status else None
    if code in ("401", "403"):
        return StepFailed(
            f"the index refused the upload of {path.name} ({error}): the credentials may not "
            f"upload {dist} (check the API token, or the trusted publisher of this workflow); "
            "a re-run will not help until that is fixed"
        )
    if code == "413":
        size = path.stat().st_size / 1e6
        return StepFailed(
            f"{path.name} ({size:.1f} MB) is larger than the index accepts ({error}): PyPI "
            "allows 100 MB per file unless the project has a larger limit; make the wheel "
            "smaller or request a limit for the project"
        )
    if code == "400":
        return StepFailed(f"the index rejected {path.name} ({error}): fix the file and build again")
    if code in ("404", "405"):
        return StepFailed(
            f"the upload URL does not take uploads ({error}): check --repository-url or "
            "--repository (PyPI's upload URL is https://upload.pypi.org/legacy/, not the "
            "simple index); a re-run with the same URL will not help"
        )
    return StepFailed(
        f"uploading {path.name} failed: {error}: re-run publish to finish the release"
    )


def _upload_one(
    path: Path,
    sha: str,
    version: str,
    *,
    upload_url: str,
    client: IndexClient,
    attempts: int,
    backoff: float,
    upload_timeout: float,
    progress: Callable[[str], None],
    sleep: Callable[[float], None],
    report: PublishReport,
) -> None:
    env = dict(os.environ, NO_COLOR="1")
    if not _on_pypi(upload_url):
        # A local index without authentication still makes twine ask for a user name.
        env.setdefault("TWINE_USERNAME", "wheeltrain")
        env.setdefault("TWINE_PASSWORD", "unused")
    last = output = ""
    for attempt in range(1, attempts + 1):
        report.attempts += 1
        progress(f"uploading {path.name} (attempt {attempt})")
        try:
            proc = run(
                [
                    sys.executable,
                    "-m",
                    "twine",
                    "upload",
                    "--non-interactive",
                    "--disable-progress-bar",
                    "--repository-url",
                    upload_url,
                    str(path),
                ],
                env=env,
                check=False,
                timeout=upload_timeout,
                what=f"uploading {path.name}",
                die_with_parent=True,  # a killed publish leaves no upload running
            )
            ok, output = proc.returncode == 0, proc.stdout + proc.stderr
        except StepFailed as exc:  # the upload hung past the timeout
            ok, output = False, f"{exc} (Timeout)"
        if ok:
            report.uploaded.append(path.name)
            return
        last = _twine_error(output)
        # Did it arrive after all (a dropped connection after the server stored it)?
        arrived = _on_index(client, [path], version).get(path.name)
        if arrived is not None:
            problem = _compare(client, arrived, path, sha, upload_url)
            if problem:
                raise StepFailed(f"{problem} (the upload said: {last})")
            report.uploaded.append(path.name)
            return
        if not _TRANSIENT.search(output) or attempt == attempts:
            break
        if _TWINE_RETRIED.search(output):
            # twine retries a 5xx answer itself (5 times): trying again would multiply its
            # policy by ours; wheeltrain retries only what twine does not (a cut connection,
            # a timeout, 429)
            break
        sleep(backoff * 2 ** (attempt - 1))
    raise _final_failure(path, output, last)


@dataclass
class VerifyReport:
    version: str
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: each variant's distribution: whether the index has ``version`` of it at all
    present: dict[str, bool] = field(default_factory=dict)
    #: what the report says in words beyond the problems (variants outside this release, drift)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {
            "version": self.version,
            "ok": self.ok,
            "checked": self.checked,
            "problems": self.problems,
            "present": self.present,
            "notes": self.notes,
        }


def verify_release(
    client: IndexClient,
    expected: Sequence[ExpectedFile],
    version: str,
    *,
    local: Iterable[Path] = (),
) -> VerifyReport:
    """Every variant's distribution has ``version`` with exactly the expected files (and the
    same sha256 as the local files, when given): all variants in lockstep."""
    report = VerifyReport(version)
    digests = {p.name: sha256_of(p) for p in local}
    by_dist: dict[str, list[ExpectedFile]] = {}
    for exp in expected:
        by_dist.setdefault(canonicalize_name(exp.distribution), []).append(exp)
    for dist, wanted in sorted(by_dist.items()):
        files = client.files(dist, version) or []
        report.present[dist] = bool(files)
        if not files:
            report.problems.append(f"{dist} {version} is not on {client.where}")
            continue
        keyed: dict[tuple[str, str, str | None, str | None], IndexFile | None] = {}
        for item in files:
            key = _key_of(item)
            if key is None:
                report.problems.append(f"{item.filename}: not a CPython wheel or an sdist")
                continue
            keyed[key] = item
        for exp in wanted:
            found = keyed.pop(exp.key, None)
            if found is None:
                report.problems.append(f"missing on {client.where}: {exp.filename}")
                continue
            report.checked.append(found.filename)
            if found.filename in digests:
                if found.sha256 is None:
                    report.problems.append(f"{found.filename}: the index gives no sha256")
                elif found.sha256 != digests[found.filename]:
                    report.problems.append(
                        f"{found.filename}: sha256 on the index {found.sha256} differs from the "
                        f"built file {digests[found.filename]}"
                    )
        for extra in keyed.values():
            if extra is not None:
                report.problems.append(f"unexpected on {client.where}: {extra.filename}")
    return report


def _key_of(item: IndexFile) -> FileKey | None:
    try:
        parsed = parse_filename(item.filename)
    except InvalidFilename:
        return None
    if parsed.kind == "wheel" and (parsed.python is None or parsed.arch is None):
        return None
    return parsed.key
