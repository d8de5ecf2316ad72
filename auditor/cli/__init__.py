"""Thin click commands over the checker; each module holds one command group."""
