"""Stages: what a release does, composed from the core and the adapters."""
