"""The command line: the only layer that prints."""

from facility_opt.cli.app import app, main

__all__ = ["app", "main"]
