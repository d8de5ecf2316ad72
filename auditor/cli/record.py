"""`keyaudit record`: run the recording proxy until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import signal

import click

from auditor.cli.echo import say
from auditor.errors import InputError
from auditor.proxy.listen import is_loopback, parse_listen, parse_upstream

MISSING_AIOHTTP = (
    "keyaudit record needs aiohttp: pip install -e '.[record]' in the keyaudit checkout, or pip install aiohttp"
)


@click.command("record")
@click.option(
    "--upstream", required=True, metavar="URL", help="Appwrite to forward to, e.g. https://cloud.appwrite.io."
)
@click.option("--listen", default="127.0.0.1:8787", show_default=True, metavar="HOST:PORT", help="Where to listen.")
@click.option("--output", required=True, metavar="FILE", help="keyaudit JSONL call log to append to (rotates).")
@click.option("--keys", "keys_file", metavar="FILE", help="Key definitions: name keys by id, not by secret hash.")
@click.option("--allow-remote", is_flag=True, help="Allow a --listen address other than loopback.")
@click.option("--insecure", is_flag=True, help="Do not verify the upstream's TLS certificate.")
def record(upstream, listen, output, keys_file, allow_remote, insecure):
    """Forward requests to Appwrite and record each one as a keyaudit call-log record."""
    try:
        from auditor.proxy.forward import RecordingProxy
    except ImportError as error:
        raise InputError(MISSING_AIOHTTP) from error
    from auditor.loaders.keys import load_key_file
    from auditor.proxy.keys import KeyNames
    from auditor.recorder import CallLogWriter

    upstream = parse_upstream(upstream)
    host, port = parse_listen(listen)
    if not is_loopback(host):
        if not allow_remote:
            raise InputError(f"--listen {listen}: not a loopback address; give --allow-remote to listen there")
        say(f"keyaudit record: warning: listening on {listen}: API key secrets pass through this proxy", err=True)
    names = KeyNames(load_key_file(keys_file).keys if keys_file else ())
    writer = CallLogWriter(output)
    proxy = RecordingProxy(upstream, writer, names, verify_tls=not insecure)
    try:
        asyncio.run(_serve(proxy, host, port))
    finally:
        writer.close()
    stats = proxy.stats
    say(f"keyaudit record: {stats.recorded} requests recorded to {output}", err=True)
    if stats.cut:
        say(f"keyaudit record: {stats.cut} of them were cut before their response ended (recorded)", err=True)
    if stats.unanswered:
        reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(stats.unanswered_reasons.items()))
        say(f"keyaudit record: {stats.unanswered} requests got no answer from the upstream ({reasons})", err=True)


async def _serve(proxy, host: str, port: int) -> None:
    from aiohttp import web

    runner = web.AppRunner(proxy.application(), handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:
        await runner.cleanup()
        raise InputError(f"--listen {host}:{port}: {error.strerror or error}") from error
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    say(f"keyaudit record: listening on http://{host}:{port}, forwarding to {proxy.upstream}", err=True)
    await stop.wait()
    await runner.cleanup()  # stops accepting, lets in-flight requests finish (aiohttp's shutdown timeout)
