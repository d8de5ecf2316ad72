"""`keyaudit record` to an HTTPS upstream: the certificate is verified by default, and `--insecure` says otherwise.

A local HTTPS server whose certificate comes from a throwaway CA (trustme): the proxy refuses it (502, and the
count of unanswered requests on stop) until the CA is trusted (`SSL_CERT_FILE`) or `--insecure` is given.
"""

import json
import os
import ssl
import urllib.error
import urllib.request

import pytest
import trustme
from helpers.record_proxy import running_proxy
from pytest_httpserver import HTTPServer

PATH = "/v1/users"


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture
def https_upstream(ca):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    server = HTTPServer(host="localhost", ssl_context=context)
    server.start()
    server.expect_request(PATH).respond_with_json({"total": 0, "users": []})
    yield server.url_for("").rstrip("/")
    server.clear()
    server.stop()


def _get(url: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url + PATH, headers={"X-Appwrite-Project": "shop"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _env(**extra: str) -> dict:
    env = {name: value for name, value in os.environ.items() if name not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    return {**env, **extra}


def test_an_upstream_certificate_no_trusted_ca_signed_is_refused(https_upstream, tmp_path):
    assert https_upstream.startswith("https://")
    with running_proxy(https_upstream, tmp_path / "calls.jsonl", env=_env()) as (url, process):
        status, body = _get(url)
    assert status == 502 and b"the upstream gave no answer (ClientConnectorCertificateError)" in body
    assert any(
        "1 requests got no answer from the upstream (1 ClientConnectorCertificateError)" in line
        for line in process.lines
    )


def test_an_upstream_certificate_a_trusted_ca_signed_is_accepted(https_upstream, ca, tmp_path):
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    log = tmp_path / "calls.jsonl"
    with running_proxy(https_upstream, log, env=_env(SSL_CERT_FILE=str(ca_file))) as (url, _):
        status, body = _get(url)
    assert status == 200 and json.loads(body) == {"total": 0, "users": []}
    (record,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert (record["method"], record["path"], record["status"]) == ("GET", PATH, 200)


def test_insecure_forwards_to_an_upstream_whose_certificate_is_not_trusted(https_upstream, tmp_path):
    with running_proxy(https_upstream, tmp_path / "calls.jsonl", "--insecure", env=_env()) as (url, _):
        status, _ = _get(url)
    assert status == 200
