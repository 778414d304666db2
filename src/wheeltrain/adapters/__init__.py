"""Adapters: the only code that touches the world (git, the index, tools, files)."""
