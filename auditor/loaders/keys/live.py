"""Read a project's API keys from a live Appwrite, with every secret replaced by its sha256.

Two ways in, as Appwrite allows them:
- an API key holding `keys.read`: `GET /v1/project/keys` (project keys own `keys.*` from 1.9.5 on);
- a console session cookie: `GET /v1/projects/{projectId}/keys`, on every version.
The server's version (`GET /v1/health/version`, public) picks the catalog, except on Appwrite Cloud
(`*.cloud.appwrite.io`), whose catalog is `cloud`; the catalog says whether the API-key route exists there. From 1.8 on the list takes `queries[]`, so it is read 100 keys a page (limit and offset);
before, one answer holds every key. Redirects are refused: they would carry the credential to another address.
`--timeout` is one deadline for the whole exchange (auditor/loaders/keys/deadline.py), not a bound on each socket read.
"""

from __future__ import annotations

import http.client
import json
import math
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from auditor import __version__
from auditor.catalog.catalog import load
from auditor.catalog.versions import CLOUD, is_cloud_endpoint
from auditor.errors import InputError
from auditor.loaders import jsontext
from auditor.loaders.document import MAX_DEPTH, escape_pointer_token
from auditor.loaders.keys.deadline import Deadline, opener
from auditor.secrets import classify_secret, redact_values, scrub_identifier
from auditor.validation.schemas import violations

API_KEY_ROUTE = "/v1/project/keys"
PAGE_SIZE = 100
MAX_ANSWER_BYTES = 64 << 20
MAX_KEYS = 100_000  # no project has this many keys: a server paging on and on is refused, not followed forever
_VERSION = re.compile(r"v?(\d+)\.(\d+)\.\d+(?:[-+][\w.]+)?")


@dataclass(frozen=True)
class Credential:
    """An API key (sent as X-Appwrite-Key) or a console session cookie; never printed, never written."""

    api_key: str | None = None
    session_cookie: str | None = None


@dataclass(frozen=True)
class Fetched:
    key_list: dict  # Appwrite's keyList, secrets replaced
    server_version: str
    catalog_version: str


class _RefuseRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises the 3xx as an HTTPError


def _opener(deadline: Deadline) -> urllib.request.OpenerDirector:
    """What reads the server: every request ends by `deadline`, and redirects are refused."""
    return opener(deadline, _RefuseRedirect)


def api_base(endpoint: str) -> str:
    """`https://host/v1`, whether the user gave the endpoint with /v1 or without."""
    parts = urllib.parse.urlsplit(endpoint.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"--endpoint {endpoint!r} is not an http(s) URL (e.g. https://cloud.appwrite.io/v1)")
    path = parts.path.rstrip("/")
    if path.endswith("/v1"):
        path = path[:-3]
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def get_json(url: str, headers: dict[str, str], deadline: Deadline):
    request = urllib.request.Request(
        url, headers={**headers, "Accept": "application/json", "User-Agent": f"keyaudit/{__version__}"}
    )
    shown = url.split("?", 1)[0]
    late = f"{shown}: no complete answer within {deadline.seconds:g} s (--timeout bounds the whole exchange)"
    try:
        with _opener(deadline).open(request, timeout=max(deadline.left(), 0.001)) as response:
            body = response.read(MAX_ANSWER_BYTES + 1)
            content_type = response.headers.get("Content-Type") or "no content type"
    except urllib.error.HTTPError as error:
        said = _http_error(shown, error)  # reads the error body: the deadline may pass meanwhile
        raise InputError(late if deadline.expired else said) from None
    except urllib.error.URLError as error:
        if deadline.expired or isinstance(error.reason, (socket.timeout, TimeoutError)):
            raise InputError(late) from None
        raise InputError(f"{shown}: cannot connect ({error.reason})") from None
    except (OSError, http.client.HTTPException) as error:  # socket.timeout and TimeoutError included
        if deadline.expired or isinstance(error, (socket.timeout, TimeoutError)):
            raise InputError(late) from None
        raise InputError(f"{shown}: connection failed ({type(error).__name__})") from None
    finally:
        deadline.release()
    if deadline.expired:  # the socket was shut down mid-answer: what was read is a truncated body
        raise InputError(late)
    if len(body) > MAX_ANSWER_BYTES:
        raise InputError(f"{shown}: answer larger than {MAX_ANSWER_BYTES >> 20} MiB")
    try:
        answer = jsontext.loads(body)
    except (ValueError, RecursionError):
        raise InputError(f"{shown}: the answer is not JSON ({content_type}); is this an Appwrite endpoint?") from None
    if _first(answer, lambda value, depth: depth > MAX_DEPTH) is not None:  # the schema and scrub() recurse
        raise InputError(f"{shown}: the answer is nested deeper than {MAX_DEPTH} levels; is this an Appwrite endpoint?")
    return answer


def _first(value, bad) -> str | None:
    """The JSON pointer of the first value (depth first) for which `bad(value, depth)` holds; no recursion."""
    stack = [(value, 0, "")]
    while stack:
        item, depth, pointer = stack.pop()
        if bad(item, depth):
            return pointer
        if isinstance(item, dict):
            stack.extend((v, depth + 1, f"{pointer}/{escape_pointer_token(k)}") for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((v, depth + 1, f"{pointer}/{i}") for i, v in reversed(list(enumerate(item))))
    return None


def _http_error(url: str, error: urllib.error.HTTPError) -> str:
    if 300 <= error.code < 400:
        return (
            f"{url}: redirected to {error.headers.get('Location')}; give that address as --endpoint "
            "(keyaudit does not follow redirects with a credential)"
        )
    try:
        kind = jsontext.loads(error.read(1 << 16)).get("type")
    except (ValueError, AttributeError, OSError):
        kind = None
    said = f"HTTP {error.code}" + (f" {kind}" if kind else f" {error.reason}")
    if error.code == 401:
        return (
            f"{url}: {said}: the credential may not list keys (an API key needs the keys.read scope and must "
            "belong to this project; a console session must be valid and see the project)"
        )
    if error.code == 404:
        return f"{url}: {said}: no such route or project on this server"
    return f"{url}: {said}"


def server_version(base: str, project: str, deadline: Deadline) -> str:
    answer = get_json(f"{base}/v1/health/version", {"X-Appwrite-Project": project}, deadline)
    version = answer.get("version") if isinstance(answer, dict) else None
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise InputError(f"{base}/v1/health/version: no Appwrite version in the answer")
    return version


def _minor(version: str) -> tuple[int, int]:
    match = _VERSION.fullmatch(version)
    return int(match.group(1)), int(match.group(2))


def scrub(key: dict, project: str) -> dict:
    """The key as written: secret emptied, its sha256 kept (to recognise the key in access logs).

    A secret anywhere else in the answer (a name, an SDK label) is replaced by its fingerprint too.
    """
    _, digest = classify_secret(key.get("secret"))
    scrubbed = {name: redact_values(value) for name, value in key.items() if name != "secret"}
    scrubbed["secret"] = ""
    if digest:
        scrubbed["secretSha256"] = digest
    scrubbed.setdefault("projectId", scrub_identifier(project))
    return scrubbed


def fetch_keys(endpoint: str, project: str, credential: Credential, timeout: float = 30.0) -> Fetched:
    """The project's keys, or InputError; the whole exchange ends within `timeout` seconds."""
    deadline = Deadline(timeout)
    base = api_base(endpoint)
    version = CLOUD if is_cloud_endpoint(base) else server_version(base, project, deadline)
    catalog = load(version)
    if credential.api_key:
        if catalog.match("GET", API_KEY_ROUTE) is None:
            raise InputError(
                f"Appwrite {version} has no {API_KEY_ROUTE}: API keys list keys from 1.9.5 on; "
                "use a console session (--session-env VAR)"
            )
        url = base + API_KEY_ROUTE
        headers = {"X-Appwrite-Project": project, "X-Appwrite-Key": credential.api_key}
    else:
        url = f"{base}/v1/projects/{urllib.parse.quote(project, safe='')}/keys"
        headers = {"X-Appwrite-Project": "console", "Cookie": credential.session_cookie}
    paged = version == CLOUD or _minor(version) >= (1, 8)
    keys: list[dict] = []
    seen: set[str] = set()
    while True:
        query = ""
        if paged:
            query = "?" + urllib.parse.urlencode(
                [
                    ("queries[]", json.dumps({"method": "limit", "values": [PAGE_SIZE]})),
                    ("queries[]", json.dumps({"method": "offset", "values": [len(keys)]})),
                ]
            )
        page = get_json(url + query, headers, deadline)
        problems = violations(page, "key-export.schema.json#/$defs/keyList", None)
        if problems or not isinstance(page.get("total"), int):
            where = problems[0].pointer if problems else "/total"
            raise InputError(f"{url}: the answer is not Appwrite's key list (at {where or '/'})")
        where = _first(page, lambda value, depth: isinstance(value, float) and not math.isfinite(value))
        if where is not None:  # NaN, Infinity, 1e999999: written out, they would not be JSON
            raise InputError(f"{url}: the answer is not Appwrite's key list (at {where}: number out of range)")
        fresh = [key for key in page["keys"] if key["$id"] not in seen]
        seen.update(key["$id"] for key in fresh)
        keys.extend(scrub(key, project) for key in fresh)
        if len(keys) > MAX_KEYS:
            raise InputError(f"{url}: more than {MAX_KEYS} keys and still paging; not a project's key list")
        if not paged or len(page["keys"]) < PAGE_SIZE or not fresh or len(keys) >= page["total"]:
            break
    return Fetched({"total": len(keys), "keys": keys}, version, catalog.version)
