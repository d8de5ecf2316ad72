"""keyaudit: least-privilege audits of Appwrite API keys."""

__version__ = "0.1.0"
TOOL_NAME = "keyaudit"
