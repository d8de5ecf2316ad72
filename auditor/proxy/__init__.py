"""`keyaudit record`: a reverse proxy in front of Appwrite that writes each request as a keyaudit call-log record.

`listen.py` decides where it may listen, `keys.py` names a request's key, `forward.py` is the aiohttp server
that streams requests and responses through and hands each one to `auditor.recorder`'s writer. Only
`auditor.cli.record` imports this package; aiohttp is the optional extra `record`.
"""
