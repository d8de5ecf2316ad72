"""Appwrite key secrets of every kind, found in any file, streamed, and never printed."""

import base64
import gzip
import io
import json
import re
import tracemalloc

import pytest
from helpers.cli import run_cli
from helpers.hostile import encoded

from auditor.reporters.json_report import render
from auditor.secrets import (
    MAX_SECRET_CHARS,
    MIN_SECRET_CHARS,
    SECRET_PATTERN,
    find_secrets,
    fingerprint,
    holds_secret,
    redact,
)
from auditor.secrets.scan import CHUNK, OVERLAP, scan_file, scan_stream


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def jwt(scopes=("rows.read",)) -> str:
    """An HS256 JWT shaped as Appwrite mints one (header, payload, 43-char signature)."""
    return ".".join(
        [
            b64({"typ": "JWT", "alg": "HS256"}),
            b64({"projectId": "shop", "scopes": list(scopes)}),
            "S1gnatur3_-" * 3 + "abcdefghij",
        ]
    )


SECRETS = {
    "standard": "standard_" + "ab12" * 64,
    "account": "account_" + "0f" * 128,
    "organization": "organization_" + "9c" * 128,
    "ephemeral": "ephemeral_" + jwt(),
    "dynamic": "dynamic_" + jwt(("users.read", "rows.write")),
}


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_every_key_kind_is_found_and_redacted(kind):
    secret = SECRETS[kind]
    text = f'APPWRITE_KEY="{secret}"\n'
    (hit,) = find_secrets(text)
    assert hit.kind == kind and hit.line == 1 and re.fullmatch(r"sha256:[0-9a-f]{12}", hit.fingerprint)
    assert secret not in redact(text) and hit.fingerprint in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "standard_[hidden]",
        "standard_" + "ab12" * 64 + "a",  # 257 hex digits
        "standard_" + "ab12" * 63 + "ab1",  # 255
        "standard_" + "AB12" * 64,  # Appwrite writes lowercase
        "xstandard_" + "ab12" * 64,  # part of a longer word
        "account_abcd1234",  # Appwrite's unit-test placeholder
        "dynamic_not-a-jwt",
        "ephemeral_eyJhbGciOi.short",
        "token_" + "ab12" * 64,  # not an Appwrite key type
    ],
)
def test_lookalikes_are_not_secrets(text):
    assert find_secrets(text) == []


@pytest.mark.parametrize("kind", sorted(SECRETS))
@pytest.mark.parametrize("glue", ["x", "9", "_", "/v1/users/x"])
def test_a_secret_glued_after_key_characters_is_no_finding_but_never_shown(kind, glue):
    """`9ephemeral_<jwt>` is no key Appwrite reads, but `ephemeral_<jwt>` in it is one: a report hides it, as
    written or encoded (`xstandard%5F…`; base64 glued to its alphabet is another text)."""
    secret = SECRETS[kind]
    writings = {"as written": secret, **encoded(secret)}
    del writings["base64"]
    for how, written in writings.items():
        text = glue + written
        assert fingerprint(secret) in redact(text), how
        assert secret.split("_", 1)[1][:40] not in render({"key": text, text: [text]}), how
    assert find_secrets(glue + secret) == []
    assert redact(glue + secret) == f"{glue}<secret {fingerprint(secret)}>"


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_a_secret_in_base64_is_found_and_redacted_for_every_kind(kind):
    """A Kubernetes Secret's data, or a log's key: stored secrets (`account_` + 256 hex is 352 base64 characters)
    and minted keys (JWT-shaped, from 50 base64 characters)."""
    text = f"  APPWRITE_API_KEY: {base64.b64encode(SECRETS[kind].encode()).decode()}\n"
    (hit,) = find_secrets(text)
    assert hit.kind == kind and hit.line == 1 and holds_secret(text)
    assert redact(text) == f"  APPWRITE_API_KEY: <secret {hit.fingerprint}>\n"


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_holds_secret_sees_every_encoding_in_a_json_report_and_render_hides_it(kind):
    """holds_secret alone decides whether the JSON report is redacted: it must see each encoding redact
    replaces, in a value or a key, once json.dumps has escaped the encoding's backslashes again."""
    for how, text in encoded(SECRETS[kind]).items():
        report = {"value": [text], text: {"key": text}}
        assert holds_secret(text) and holds_secret(json.dumps(report)), how
        assert not holds_secret(render(report)), how


def test_a_match_never_exceeds_the_streaming_overlap():
    longest = "ephemeral_eyJ" + "a" * (1024 - 3) + "." + "b" * 16384 + "." + "c" * 512
    assert SECRET_PATTERN.fullmatch(longest) and len(longest) <= MAX_SECRET_CHARS < OVERLAP
    assert not SECRET_PATTERN.search(longest.replace(".c", ".cc", 1) + "c" * 600)


def sample_text(lines=4000):
    """Text with secrets at known lines, some on very long lines."""
    rows, expected = [], []
    kinds = sorted(SECRETS)
    for number in range(1, lines + 1):
        if number % 97 == 0:
            kind = kinds[number % len(kinds)]
            rows.append("x = 1; " * (number % 50) + f"key: {SECRETS[kind]}")
            expected.append((number, kind))
        else:
            rows.append(f"line {number} " + "filler " * (number % 30))
    return "\n".join(rows) + "\n", expected


@pytest.mark.parametrize("chunk", [1000, 4096, 65_536, CHUNK])
def test_streaming_finds_what_the_whole_text_holds_at_any_chunk_size(chunk):
    text, expected = sample_text()
    hits = list(scan_stream(io.BytesIO(text.encode()), chunk_size=chunk))
    assert [(h.line, h.kind) for h in hits] == expected
    assert hits == find_secrets(text)


def test_secret_across_the_first_cut_and_at_the_very_end():
    chunk = 4096
    first_cut = -(-(OVERLAP + 1) // chunk) * chunk - OVERLAP  # where the first round stops judging matches
    secret = SECRETS["standard"]
    for start in range(first_cut - len(secret) - 3, first_cut + 3):
        data = ("a\n" * (start // 2) + " " * (start % 2) + secret + " tail\n" + "b" * 30_000 + "\n" + secret).encode()
        hits = list(scan_stream(io.BytesIO(data), chunk_size=chunk))
        assert [h.line for h in hits] == [start // 2 + 1, start // 2 + 3], start


def test_huge_file_without_newlines_is_streamed(tmp_path):
    path = tmp_path / "bundle.min.js"
    secret = SECRETS["organization"].encode()
    with open(path, "wb") as handle:
        handle.write(b"var a=1;" * (CHUNK // 8) + b'"' + secret + b'"')
        handle.write(b"var b=2;" * (3 * CHUNK // 8 - 40) + b"'" + secret + b"'")  # straddles a chunk boundary
        handle.write(b"x" * (20 * CHUNK))
    tracemalloc.start()
    try:
        hits = scan_file(str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(h.line, h.kind) for h in hits] == [(1, "organization")] * 2
    assert peak < 4 * (CHUNK + OVERLAP)  # not the file's 24 MiB


def test_binary_file_is_skipped_and_gzip_is_read(tmp_path):
    secret = SECRETS["standard"].encode()
    binary = tmp_path / "logo.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + secret)
    assert scan_file(str(binary)) is None
    late_nul = tmp_path / "notes.txt"  # like git: only the first 8 KiB decide
    late_nul.write_bytes(b"a" * 9000 + b"\0\n" + secret)
    assert [h.line for h in scan_file(str(late_nul))] == [2]
    packed = tmp_path / "keys.json.gz"
    packed.write_bytes(gzip.compress(b'{\n"secret": "' + secret + b'"}'))
    assert [h.line for h in scan_file(str(packed))] == [2]


def test_secrets_command_prints_place_kind_and_fingerprint_only(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"APPWRITE_ENDPOINT=https://cloud.appwrite.io/v1\nAPPWRITE_KEY={SECRETS['standard']}\n"
        f"FUNCTION_KEY={SECRETS['dynamic']}\n"
    )
    clean = tmp_path / "clean.txt"
    clean.write_text("APPWRITE_KEY=standard_[hidden]\n")
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\0" + SECRETS["account"].encode())
    code, out, err = run_cli("secrets", str(env_file), str(clean), str(binary))
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(rf"{re.escape(str(env_file))}:2: standard key secret \(sha256:[0-9a-f]{{12}}\)", lines[0])
    assert re.fullmatch(rf"{re.escape(str(env_file))}:3: dynamic key secret \(sha256:[0-9a-f]{{12}}\)", lines[1])
    for secret in SECRETS.values():
        assert secret not in out and secret[12:60] not in out
    assert run_cli("secrets", str(clean), str(binary)) == (0, "", "")


def test_secrets_command_unreadable_file_is_exit_2(tmp_path):
    code, out, err = run_cli("secrets", str(tmp_path / "gone.env"))
    assert code == 2 and out == "" and err.count("\n") == 1 and "no such file" in err


@pytest.mark.parametrize("kind", ["account", "ephemeral"])
def test_lint_reports_a_secret_of_any_kind_in_a_key_export(tmp_path, kind):
    export = tmp_path / "keys.json"
    export.write_text(
        json.dumps(
            {
                "total": 1,
                "keys": [
                    {
                        "$id": "k1",
                        "name": "ci",
                        "scopes": ["users.read"],
                        "expire": "2027-06-30T00:00:00.000+00:00",
                        "secret": SECRETS[kind],
                    }
                ],
            },
            indent=2,
        )
    )
    code, out, _ = run_cli("lint", str(export), "--now", "2026-11-25T00:00:00Z")
    assert code == 1
    (line,) = [line for line in out.splitlines() if "secret-in-file" in line]
    assert f"critical secret-in-file: an unmasked Appwrite {kind} key secret (sha256:" in line
    assert SECRETS[kind] not in out and SECRETS[kind][15:60] not in out


@pytest.mark.parametrize("kind", sorted(SECRETS))
@pytest.mark.parametrize(
    "written",
    [
        lambda b: f"GET /v1/keys/{b} 404",  # glued after `/`, in the alphabet: the run starts off a group boundary
        lambda b: f"k: ab{b}",
        lambda b: json.dumps({"k": b}).replace("/", "\\/"),  # PHP's json_encode: `\/` splits the run
    ],
)
@pytest.mark.parametrize("offset", range(3))  # the secret's first byte in a 3-byte group
def test_a_secret_in_base64_is_found_whatever_comes_before_the_run(kind, written, offset):
    """The base64 of a text with a `/` in it (a URL before the key) holds a `/`: PHP's JSON escapes it."""
    encoded_text = base64.b64encode(f"https://h/a?b=1 {'k' * offset}={SECRETS[kind]}".encode()).decode()
    text = written(encoded_text)
    assert [hit.kind for hit in find_secrets(text)] == [kind] and holds_secret(text)
    assert encoded_text[-40:-12] not in redact(text)


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_a_secret_glued_inside_base64_is_no_finding_but_never_shown(kind):
    text = base64.b64encode(f"key{SECRETS[kind]}x".encode()).decode()
    assert find_secrets(text) == [] and holds_secret(text)
    assert text[-40:-12] not in redact(text) and not holds_secret(render({"v": text}))


@pytest.mark.parametrize("before", [300_000, 600_001, 1_000_002])
def test_a_secret_in_a_long_base64_line_is_found_past_the_first_block(tmp_path, before):
    """scan_encoded reads a line longer than a block in pieces: each piece's run starts anywhere in a group."""
    data = bytes(range(256)) * (before // 256) + b" " + SECRETS["ephemeral"].encode() + b" " + b"\xff" * 999
    path = tmp_path / "secret.yaml"
    path.write_bytes(b"data: " + base64.b64encode(data) + b"\n")
    assert [hit.kind for hit in scan_file(str(path))] == ["ephemeral"]


@pytest.mark.parametrize("kind", sorted(SECRETS))
@pytest.mark.parametrize("width, newline, indent", [(64, "\n", ""), (76, "\r\n", ""), (76, "\n", "    ")])
def test_a_secret_in_base64_wrapped_in_lines_is_found_and_redacted(kind, width, newline, indent):
    """PEM wraps base64 at 64 characters, MIME and `base64` at 76; a YAML block scalar indents each line."""
    written = base64.b64encode(f"config:\n  key: {SECRETS[kind]}\n".encode()).decode()
    lines = [written[i : i + width] for i in range(0, len(written), width)]
    text = f"data: |{newline}" + "".join(indent + line + newline for line in lines)
    (hit,) = find_secrets(text)
    assert hit.kind == kind and hit.line == 2 and holds_secret(text)
    assert not any(line[4:-4] in redact(text) for line in lines[1:-1])


def test_the_shortest_minted_key_is_found_in_base64():
    """`dynamic_eyJ` + 8, `.` + 8, `.` + 8 (MIN_SECRET_CHARS): 37 bytes, 50 base64 characters unpadded."""
    shortest = "dynamic_eyJ" + "a" * 8 + "." + "b" * 8 + "." + "c" * 8
    written = base64.b64encode(shortest.encode()).decode().rstrip("=")
    assert len(shortest) == MIN_SECRET_CHARS and len(written) == 50
    assert [hit.kind for hit in find_secrets(f"token: {written}\n")] == ["dynamic"]
    assert redact(written) == f"<secret {fingerprint(shortest)}>"
