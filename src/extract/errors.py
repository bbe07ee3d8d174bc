"""Exceptions the CLI reports as a clear message (kept light: no heavy imports)."""


class EvalError(ValueError):
    """The gold file or the output folder cannot be used; the message says where and why."""


class LoadError(Exception):
    """An input file cannot be turned into text; the message says why (``load``, ``formats``)."""
