"""The message ids of the pages, extracted from the templates and Python with Babel."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

ROOT = Path(__file__).resolve().parent.parent
METHODS = [
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
    ("web/**.py", "python"),
    ("*/pages.py", "python"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "gettext": None, "N_": None}


def message_ids() -> set[str]:
    """Every message id the pages translate."""
    out: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        if isinstance(message, str):
            out.add(message)
    return out
