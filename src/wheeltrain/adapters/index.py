"""The package-index adapter (read side): which files a distribution's version has.

Speaks PyPI's JSON API (``/pypi/<name>/json``), PEP 691 JSON simple pages and
PEP 503 HTML simple pages (pypiserver, devpi, TestPyPI, PyPI), yanked files included (PEP 592).

Built on maintained parts: ``requests`` with urllib3's ``Retry`` for the HTTP side (connection
errors, timeouts, truncated bodies, bad status lines, 429 and 5xx answers are retried with
backoff, then reported in one line) and ``pypi-simple`` for the simple pages.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import urllib.parse
from dataclasses import dataclass
from typing import Any

import requests
from packaging.utils import canonicalize_name
from packaging.version import Version
from urllib3.util.retry import Retry

from wheeltrain.core.filenames import InvalidFilename, parse_filename
from wheeltrain.core.redact import redact
from wheeltrain.errors import IndexUnusable, StepFailed, UsageError

__all__ = ["PYPI_JSON", "PYPI_JSON_ENV", "IndexClient", "IndexFile", "describe_file"]

PYPI_JSON = "https://pypi.org/pypi"
#: Points the JSON API reads at another server that speaks it (a mirror, a local index).
PYPI_JSON_ENV = "WHEELTRAIN_PYPI_JSON_URL"
_SIMPLE_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.1"
)


@dataclass(frozen=True)
class IndexFile:
    filename: str
    url: str
    sha256: str | None
    kind: str  # "wheel" or "sdist"
    tags: tuple[str, ...]  # wheel tags as "python-abi-platform"; empty for an sdist
    yanked: bool = False
    yanked_reason: str | None = None
    size: int | None = None  # bytes, where the index says (PEP 700, PyPI's JSON API)
    upload_time: str | None = None  # ISO 8601 in UTC, where the index says
    provenance_url: str | None = None  # PEP 740, where the simple page names one

    def as_dict(self) -> dict[str, object]:
        return {
            "filename": self.filename,
            "kind": self.kind,
            "tags": list(self.tags),
            "sha256": self.sha256,
            "url": redact(self.url),
            "yanked": self.yanked,
            "size": self.size,
            "upload_time": self.upload_time,
        }


def describe_file(
    filename: str,
    url: str = "",
    sha256: str | None = None,
    *,
    yanked: bool = False,
    yanked_reason: str | None = None,
    size: object = None,
    upload_time: object = None,
    provenance_url: str | None = None,
) -> IndexFile | None:
    """An :class:`IndexFile` for a wheel or sdist file name; ``None`` for anything else."""
    try:
        parsed = parse_filename(filename)
    except InvalidFilename:
        return None
    sha = sha256 if isinstance(sha256, str) and sha256 else None
    return IndexFile(
        filename,
        url,
        sha,
        parsed.kind,
        parsed.tag_names,
        yanked,
        yanked_reason,
        size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
        _when(upload_time),
        provenance_url if isinstance(provenance_url, str) and provenance_url else None,
    )


def _when(value: object) -> str | None:
    """An upload time as ISO 8601 in UTC (``2025-11-26T05:55:36Z``), from a string or a
    datetime; ``None`` for anything else."""
    import datetime

    if isinstance(value, str) and 0 < len(value) <= 64:
        try:
            value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime.datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def file_version(filename: str) -> Version | None:
    try:
        return parse_filename(filename).version
    except InvalidFilename:
        return None


class IndexClient:
    """Reads one index. ``index_url`` is a simple index root; ``None`` means PyPI's JSON API."""

    def __init__(
        self,
        index_url: str | None = None,
        *,
        timeout: float = 10.0,
        attempts: int = 3,
        backoff: float = 0.5,
        fresh: bool = False,
    ) -> None:
        if index_url is not None:
            _check_url(
                index_url,
                "--index-url",
                "the simple index root, e.g. http://127.0.0.1:8080/simple/",
            )
        if not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or timeout <= 0:
            raise UsageError(f"--timeout {timeout} must be a positive number of seconds")
        if attempts < 1:
            raise UsageError("--retries must leave at least one attempt")
        self.index_url = index_url.rstrip("/") + "/" if index_url else None
        self.json_api = (os.environ.get(PYPI_JSON_ENV) or PYPI_JSON).rstrip("/")
        if index_url is None:
            _check_url(
                self.json_api,
                f"{PYPI_JSON_ENV}=",
                "the root that serves <project>/json, e.g. https://pypi.org/pypi, or unset it",
            )
        self.timeout = float(timeout)
        self.attempts = attempts
        self._session = requests.Session()
        retry = Retry(
            total=attempts - 1,
            connect=attempts - 1,
            read=attempts - 1,
            status=attempts - 1,
            other=attempts - 1,
            backoff_factor=backoff,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
            respect_retry_after_header=False,
        )
        adapter = requests.adapters.HTTPAdapter(max_retries=retry)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["User-Agent"] = "wheeltrain"
        if fresh:
            # past a CDN's cached copy: what a release that was uploaded a minute ago reads
            self._session.headers["Cache-Control"] = "max-age=0"
        # urllib3 logs each retry as a warning; wheeltrain reports one line at the end instead.
        logging.getLogger("urllib3").setLevel(logging.ERROR)

    @property
    def where(self) -> str:
        if self.index_url:
            return redact(self.index_url)
        return "PyPI" if self.json_api == PYPI_JSON else redact(self.json_api)

    def _get(self, url: str, accept: str) -> requests.Response | None:
        """The answer to GET ``url``; ``None`` for 404. Retries are urllib3's."""
        tries = f"{self.attempts} attempt{'s' if self.attempts > 1 else ''}"
        try:
            response = self._session.get(url, headers={"Accept": accept}, timeout=self.timeout)
            response.content  # noqa: B018 - read the whole body inside the try
        except requests.exceptions.Timeout:
            why = f"no answer within {self.timeout:g} s"
        except (requests.exceptions.RequestException, ValueError, OSError) as exc:
            why = _reason(exc)
            if why == "no answer within the timeout":
                why = f"no answer within {self.timeout:g} s"
        else:
            if response.status_code == 404:
                return None
            if response.status_code == 429 or response.status_code >= 500:
                why = f"HTTP {response.status_code} {response.reason}"
            elif response.status_code >= 400:
                raise StepFailed(
                    f"{self.where} answered {response.status_code} {response.reason} for "
                    f"{redact(url)}"
                )
            else:
                return response
        raise IndexUnusable(
            f"{self.where} did not answer after {tries} ({why}): check the URL or the network "
            "and retry"
        )

    def versions(self, package: str) -> set[Version]:
        """Every version of ``package`` the index has a file for (empty when it has none)."""
        name = canonicalize_name(package)
        if self.index_url is None:
            releases = self._pypi_json(name)
            found = set()
            for key, items in (releases or {}).items():
                version = _version(key)
                if version is not None and items:
                    found.add(version)
            return found
        return {v for f in self._simple_files(name) if (v := file_version(f.filename)) is not None}

    def files(self, package: str, version: str) -> list[IndexFile] | None:
        """Files of ``package`` at ``version``, or ``None`` when the index has no such release."""
        wanted = Version(version)
        name = canonicalize_name(package)
        if self.index_url is None:
            found = self._files_pypi_json(name, wanted)
        else:
            found = [f for f in self._simple_files(name) if file_version(f.filename) == wanted]
        return sorted(found, key=lambda f: f.filename) or None

    def project_files(self, package: str) -> list[IndexFile]:
        """Every file of every version of ``package`` (empty when the index has none)."""
        name = canonicalize_name(package)
        if self.index_url is None:
            found = self._files_pypi_json(name, None)
        else:
            found = self._simple_files(name)
        return sorted(found, key=lambda f: f.filename)

    def download(self, item: IndexFile) -> bytes:
        """A file as the index serves it: for an index that gives no digest, and to tell a
        truncated copy from a different file."""
        response = self._get(item.url, "*/*")
        if response is None:
            raise StepFailed(f"{item.filename} is listed by {self.where} but its download is 404")
        return response.content

    def provenance(self, item: IndexFile, version: str) -> bytes | None:
        """The PEP 740 provenance of a listed file: from the URL its simple page names, else
        from the index's Integrity API (``<host>/integrity/<project>/<version>/<file>/
        provenance``, as PyPI serves it); ``None`` when the index has none for it."""
        url = item.provenance_url
        if not url:
            root = self.index_url or self.json_api
            parsed = urllib.parse.urlparse(root)
            project = parse_filename(item.filename).distribution
            url = urllib.parse.urlunparse(
                parsed._replace(
                    path="/integrity/"
                    + "/".join(urllib.parse.quote(p) for p in (project, version, item.filename))
                    + "/provenance",
                    query="",
                    fragment="",
                )
            )
        else:
            url = urllib.parse.urljoin(self.index_url or self.json_api, url)
        response = self._get(url, "application/vnd.pypi.integrity.v1+json, application/json")
        return None if response is None else response.content

    def _pypi_json(self, name: str) -> dict[str, Any] | None:
        response = self._get(f"{self.json_api}/{urllib.parse.quote(name)}/json", "application/json")
        if response is None:
            return None
        releases = _json(response).get("releases", {})
        if not isinstance(releases, dict):
            raise StepFailed(f"{redact(response.url)} answered JSON of an unexpected shape")
        # a file's URL may be relative (a mirror's answer): it is relative to this document
        for items in releases.values():
            for item in items if isinstance(items, list) else ():
                if isinstance(item, dict) and isinstance(item.get("url"), str):
                    item["url"] = urllib.parse.urljoin(response.url, item["url"])
        return releases

    def _files_pypi_json(self, name: str, wanted: Version | None) -> list[IndexFile]:
        # The project document, not /pypi/<name>/<version>/json: release keys keep the
        # spelling they were uploaded with, so the match is by version equality.
        out = []
        for key, items in (self._pypi_json(name) or {}).items():
            if wanted is not None and _version(key) != wanted:
                continue
            for item in items if isinstance(items, list) else ():
                if not isinstance(item, dict):
                    continue
                url = item.get("url")
                url = url if isinstance(url, str) else ""
                # PyPI names each file; pypiserver's JSON API gives only its URL.
                filename = item.get("filename")
                if not isinstance(filename, str) or not filename:
                    filename = urllib.parse.unquote(url.rsplit("/", 1)[-1])
                digests = item.get("digests")
                sha = digests.get("sha256") if isinstance(digests, dict) else None
                described = describe_file(
                    filename,
                    url,
                    sha,
                    yanked=item.get("yanked") is True,
                    yanked_reason=_text(item.get("yanked_reason")),
                    size=item.get("size"),
                    upload_time=item.get("upload_time_iso_8601") or item.get("upload_time"),
                )
                if described and _same_project(filename, name):
                    out.append(described)
        return out

    def _simple_files(self, name: str) -> list[IndexFile]:
        from pypi_simple import ProjectPage

        response = self._get(f"{self.index_url}{name}/", _SIMPLE_ACCEPT)
        if response is None:
            return []
        try:
            page = ProjectPage.from_response(response, name)
        except Exception as exc:  # pypi-simple raises pydantic's and its own errors
            raise StepFailed(
                f"{redact(response.url)} is not a simple index page this client reads "
                f"({type(exc).__name__}): is it a package index?"
            ) from None
        out = []
        for package in page.packages:
            described = describe_file(
                package.filename,
                package.url,
                package.digests.get("sha256"),
                yanked=package.is_yanked,
                yanked_reason=package.yanked_reason,
                size=package.size,
                upload_time=package.upload_time,
                provenance_url=package.provenance_url,
            )
            if described and _same_project(package.filename, name):
                out.append(described)
        return out


def _check_url(url: str, what: str, example: str) -> None:
    try:
        parsed = urllib.parse.urlparse(url)
        host = parsed.hostname
        ok = parsed.scheme in ("http", "https") and bool(host) and " " not in url
        if ok and host is not None:
            host.encode("idna")
    except (ValueError, UnicodeError):
        ok = False
    if not ok:
        raise UsageError(f"{what}{redact(url)!r} is not an http(s) URL: give {example}")


def _reason(exc: BaseException) -> str:
    """The innermost cause of a failed request, in a few words and without credentials."""
    seen = exc
    for _ in range(6):
        inner = getattr(seen, "reason", None) or (seen.args[0] if seen.args else None)
        if isinstance(inner, BaseException):
            seen = inner
            continue
        break
    if isinstance(seen, (TimeoutError, socket.timeout)) or "timed out" in str(seen):
        return "no answer within the timeout"
    text = str(seen) or type(seen).__name__
    text = redact(text.splitlines()[0] if text else type(seen).__name__)
    return text[:200]


def _version(text: object) -> Version | None:
    if not isinstance(text, str) or len(text) > 200:
        return None
    try:
        return Version(text)
    except ValueError:
        return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _same_project(filename: str, name: str) -> bool:
    try:
        return parse_filename(filename).distribution == name
    except InvalidFilename:
        return False


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = json.loads(response.content)
    except (ValueError, RecursionError):
        raise IndexUnusable(
            f"{redact(response.url)} did not answer with JSON: is it a package index?"
        ) from None
    if not isinstance(data, dict):
        raise StepFailed(f"{redact(response.url)} answered JSON of an unexpected shape")
    return data
