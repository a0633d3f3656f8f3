"""One line for each failure a user can cause: what is wrong and what to do about it.

The CLI prints these instead of a traceback (`gridbrain --debug ...` or GRIDBRAIN_DEBUG=1 shows
the traceback). Nothing here knows a command; it knows errors.
"""

from __future__ import annotations

import json
import re
import zipfile
from functools import singledispatch

import sqlalchemy as sa
import yaml
from pydantic import ValidationError

from gridbrain.core.errors import DomainError

URL_HELP = "use sqlite:///path/to/gridbrain.db or postgresql://host:5432/name"
UPGRADE_HELP = "run `gridbrain db upgrade`"


class Problem(Exception):
    """A failure already explained in one line; `exit_code` 2 unless said otherwise."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def _database(e: sa.exc.DBAPIError) -> str:
    text = str(e.orig).strip().splitlines()[0] if e.orig is not None else str(e)
    low = text.lower()
    if "no such table" in low or ("does not exist" in low and "relation" in low):
        return f"the database has no gridbrain schema ({text}): {UPGRADE_HELP}"
    if "unable to open database file" in low:
        return f"cannot open the SQLite database ({text}): its folder must exist; fix GRIDBRAIN_DATABASE_URL"
    if "connection" in low or "connect" in low or "could not translate host" in low:
        return f"cannot reach the database ({text}): start it or fix GRIDBRAIN_DATABASE_URL"
    if "readonly" in low or "read-only" in low:
        return f"the database is read-only ({text}): give this user write access or fix GRIDBRAIN_DATABASE_URL"
    return f"the database refused the operation ({text})"


def _os_error(e: OSError) -> str:
    name = e.filename or "the file"
    if isinstance(e, FileNotFoundError):
        return f"no such file or folder: {name}; check the path (folders are not created for you)"
    if isinstance(e, IsADirectoryError):
        return f"{name} is a folder: give a file name"
    if isinstance(e, PermissionError):
        return f"permission denied: {name}; choose a path you may read or write"
    return f"{name}: {e.strerror or e}"


def _yaml(e: yaml.YAMLError) -> str:
    mark = getattr(e, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    return f"bad YAML{where}: {problem}; fix the file"


def _validation(e: ValidationError) -> str:
    first = e.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or e.title
    return f"invalid {where}: {first.get('msg', 'invalid value')}"


def _argument(e: sa.exc.ArgumentError) -> str:
    return f"GRIDBRAIN_DATABASE_URL is not a database URL ({e}); {URL_HELP}"


@singledispatch
def _say(e: BaseException) -> str | None:
    return None


_say.register(Problem, lambda e: e.message)
_say.register(DomainError, lambda e: e.message)
_say.register(sa.exc.DBAPIError, _database)
_say.register(sa.exc.ArgumentError, _argument)
_say.register(sa.exc.NoSuchModuleError, lambda e: f"GRIDBRAIN_DATABASE_URL names an unknown database ({e}); {URL_HELP}")
_say.register(json.JSONDecodeError, lambda e: f'bad JSON ({e}); give a JSON object such as \'{{"tag": "独居老人"}}\'')
_say.register(yaml.YAMLError, _yaml)
_say.register(zipfile.BadZipFile, lambda e: f"not an XLSX workbook ({e}); save the file as .xlsx")
_say.register(ValidationError, _validation)
_say.register(OSError, _os_error)


def explain(e: BaseException) -> str | None:
    """The one line for a known failure, or None when it is not one we know."""
    if type(e).__name__ == "InvalidFileException":  # openpyxl: a file that is not a workbook
        return f"not an XLSX workbook ({e}); save the file as .xlsx"
    said = _say(e)
    return _one_line(said) if said is not None else None


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
