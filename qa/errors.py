"""Errors that speak to the user.

Every error the library raises on purpose is a ``QAError``; its message names the bad value
and the fix. Only the CLI and the UI turn these into output.

    QAError
    ├── ConfigError        a setting, path or environment variable is wrong
    ├── IndexMissingError  there is no index where one was expected
    ├── IndexMismatchError the index was built with other embedding or chunk settings
    ├── IndexBusyError     another process is writing the index
    ├── StoreError         the vector store (a Chroma server) is unreachable or lacks chunks
    ├── DocumentError      a document cannot be read or indexed
    ├── ModelError         the language model cannot be loaded or reached
    ├── InputError         a question or other per-call input is unusable
    └── SuiteError         an evaluation suite or baseline file is malformed
"""

from __future__ import annotations


class QAError(Exception):
    """Base of every error meant for the user."""


class ConfigError(QAError):
    pass


class IndexMissingError(QAError):
    pass


class IndexMismatchError(QAError):
    pass


class IndexBusyError(QAError):
    pass


class StoreError(QAError):
    pass


class DocumentError(QAError):
    pass


class ModelError(QAError):
    pass


class InputError(QAError):
    pass


class SuiteError(QAError):
    pass
