"""The package-index adapter (read side): which files a distribution's version has.

Speaks PyPI's JSON API (``/pypi/<name>/json``), PEP 691 JSON simple pages and
PEP 503 HTML simple pages (pypiserver, devpi, TestPyPI, PyPI). Transient failures (connection
errors, timeouts, 429 and 5xx answers) are retried with backoff, then reported in one line.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from wheeltrain.errors import StepFailed, UsageError

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

    def as_dict(self) -> dict[str, object]:
        return {
            "filename": self.filename,
            "kind": self.kind,
            "tags": list(self.tags),
            "sha256": self.sha256,
            "url": self.url,
        }


def describe_file(filename: str, url: str = "", sha256: str | None = None) -> IndexFile | None:
    """An :class:`IndexFile` for a wheel or sdist file name; ``None`` for anything else."""
    if filename.endswith(".whl"):
        try:
            _, _, _, tags = parse_wheel_filename(filename)
        except InvalidWheelFilename:
            return None
        names = tuple(sorted(f"{t.interpreter}-{t.abi}-{t.platform}" for t in tags))
        return IndexFile(filename, url, sha256, "wheel", names)
    if filename.endswith((".tar.gz", ".zip")):
        try:
            parse_sdist_filename(filename)
        except InvalidSdistFilename:
            return None
        return IndexFile(filename, url, sha256, "sdist", ())
    return None


def file_version(filename: str) -> Version | None:
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


@dataclass(frozen=True)
class _Response:
    status: int
    content_type: str
    body: bytes
    url: str


class IndexClient:
    """Reads one index. ``index_url`` is a simple index root; ``None`` means PyPI's JSON API."""

    def __init__(
        self,
        index_url: str | None = None,
        *,
        timeout: float = 10.0,
        attempts: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if index_url is not None:
            parsed = urllib.parse.urlparse(index_url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise UsageError(
                    f"--index-url {index_url!r} is not an http(s) URL: give the simple index root, "
                    "e.g. http://127.0.0.1:8080/simple/"
                )
        if attempts < 1:
            raise UsageError("--retries must leave at least one attempt")
        self.index_url = index_url.rstrip("/") + "/" if index_url else None
        self.json_api = (os.environ.get(PYPI_JSON_ENV) or PYPI_JSON).rstrip("/")
        parsed = urllib.parse.urlparse(self.json_api)
        if index_url is None and (parsed.scheme not in ("http", "https") or not parsed.netloc):
            raise UsageError(
                f"{PYPI_JSON_ENV}={self.json_api!r} is not an http(s) URL: give the root that "
                "serves <project>/json, e.g. https://pypi.org/pypi, or unset it"
            )
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self._sleep = sleep

    @property
    def where(self) -> str:
        if self.index_url:
            return self.index_url
        return "PyPI" if self.json_api == PYPI_JSON else self.json_api

    def _get(self, url: str, accept: str) -> _Response:
        last = ""
        for attempt in range(1, self.attempts + 1):
            request = urllib.request.Request(  # noqa: S310 - http(s) checked in __init__
                url, headers={"Accept": accept, "User-Agent": "wheeltrain"}
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    return _Response(
                        status=response.status,
                        content_type=response.headers.get("Content-Type", ""),
                        body=response.read(),
                        url=response.geturl(),
                    )
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    return _Response(404, "", b"", url)
                if exc.code != 429 and exc.code < 500:
                    raise StepFailed(
                        f"{self.where} answered {exc.code} {exc.reason} for {url}"
                    ) from None
                last = f"HTTP {exc.code} {exc.reason}"
            except TimeoutError:
                last = f"no answer within {self.timeout:g} s"
            except (urllib.error.URLError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, (TimeoutError, socket.timeout)):
                    last = f"no answer within {self.timeout:g} s"
                else:
                    last = str(reason)
            if attempt < self.attempts:
                self._sleep(self.backoff * 2 ** (attempt - 1))
        raise StepFailed(
            f"{self.where} did not answer after {self.attempts} attempt{'s' if self.attempts > 1 else ''} ({last}): "
            "check the URL or the network and retry"
        )

    def versions(self, package: str) -> set[Version]:
        """Every version of ``package`` the index has a file for (empty when it has none)."""
        name = canonicalize_name(package)
        if self.index_url is None:
            response = self._get(
                f"{self.json_api}/{urllib.parse.quote(name)}/json", "application/json"
            )
            if response.status == 404:
                return set()
            found = set()
            for key, items in _json(response).get("releases", {}).items():
                try:
                    if items:
                        found.add(Version(key))
                except ValueError:
                    continue
            return found
        response = self._get(f"{self.index_url}{name}/", _SIMPLE_ACCEPT)
        if response.status == 404:
            return set()
        return {
            v
            for f in self._simple_files(response)
            if _same_project(f.filename, name) and (v := file_version(f.filename)) is not None
        }

    def files(self, package: str, version: str) -> list[IndexFile] | None:
        """Files of ``package`` at ``version``, or ``None`` when the index has no such release."""
        wanted = Version(version)
        if self.index_url is None:
            return self._files_pypi_json(package, version)
        name = canonicalize_name(package)
        response = self._get(f"{self.index_url}{name}/", _SIMPLE_ACCEPT)
        if response.status == 404:
            return None
        files = [
            f
            for f in self._simple_files(response)
            if (v := file_version(f.filename)) is not None
            and v == wanted
            and _same_project(f.filename, name)
        ]
        return sorted(files, key=lambda f: f.filename) or None

    def _files_pypi_json(self, package: str, version: str) -> list[IndexFile] | None:
        # The project document, not /pypi/<name>/<version>/json: release keys keep the
        # spelling they were uploaded with, so the match is by version equality.
        name = canonicalize_name(package)
        response = self._get(f"{self.json_api}/{urllib.parse.quote(name)}/json", "application/json")
        if response.status == 404:
            return None
        releases = _json(response).get("releases", {})
        wanted = Version(version)
        out = []
        for key, items in releases.items() if isinstance(releases, dict) else ():
            try:
                if Version(key) != wanted:
                    continue
            except ValueError:
                continue
            for item in items:
                url = item.get("url", "")
                # PyPI names each file; pypiserver's JSON API gives only its URL.
                filename = item.get("filename") or urllib.parse.unquote(url.rsplit("/", 1)[-1])
                described = describe_file(filename, url, item.get("digests", {}).get("sha256"))
                if described:
                    out.append(described)
        return sorted(out, key=lambda f: f.filename) or None

    def _simple_files(self, response: _Response) -> list[IndexFile]:
        out = []
        if "json" in response.content_type:
            data = _json(response)
            for item in data.get("files", []):
                url = urllib.parse.urljoin(response.url, item.get("url", ""))
                described = describe_file(
                    item.get("filename", ""), url, item.get("hashes", {}).get("sha256")
                )
                if described:
                    out.append(described)
            return out
        parser = _Links()
        parser.feed(response.body.decode("utf-8", "replace"))
        for href, text in parser.links:
            url, _, fragment = href.partition("#")
            sha = fragment.partition("=")[2] if fragment.startswith("sha256=") else None
            filename = text or urllib.parse.unquote(url.rsplit("/", 1)[-1])
            described = describe_file(filename, urllib.parse.urljoin(response.url, url), sha)
            if described:
                out.append(described)
        return out


def _same_project(filename: str, name: str) -> bool:
    try:
        if filename.endswith(".whl"):
            return canonicalize_name(parse_wheel_filename(filename)[0]) == name
        return canonicalize_name(parse_sdist_filename(filename)[0]) == name
    except (InvalidWheelFilename, InvalidSdistFilename):
        return False


def _json(response: _Response) -> dict[str, Any]:
    try:
        data = json.loads(response.body)
    except ValueError:
        raise StepFailed(
            f"{response.url} did not answer with JSON: is it a package index?"
        ) from None
    if not isinstance(data, dict):
        raise StepFailed(f"{response.url} answered JSON of an unexpected shape")
    return data
