"""A griffe extension (loaded by mkdocstrings, see ``mkdocs.yml``) that adapts two habits
of the library's numpydoc docstrings to Markdown, without changing the source:

- Sphinx roles (``:class:`~endpoints.errors.InputError```, ``:func:`score```) become
  inline code (``InputError``, ``score``); mkdocstrings would print them verbatim.
- A bare ``<NA>`` in prose becomes inline code; Markdown would read it as an HTML tag
  and drop it. Doctest lines (``>>>``, ``...``) and their output are left alone.
"""

from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|obj|exc|const):`([^`]+)`")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")


def _role(match: re.Match) -> str:
    target = match.group(1).strip()
    titled = re.fullmatch(r"(.+?)\s*<(.+)>", target)
    if titled:
        return f"`{titled.group(1)}`"
    if target.startswith("~"):
        target = target[1:].rsplit(".", 1)[-1]
    return f"`{target}`"


def _bare_na(line: str) -> str:
    parts, last = [], 0
    for match in INLINE_CODE.finditer(line):
        parts.append(line[last:match.start()].replace("<NA>", "`<NA>`"))
        parts.append(match.group(0))
        last = match.end()
    parts.append(line[last:].replace("<NA>", "`<NA>`"))
    return "".join(parts)


def adapt(text: str) -> str:
    """The docstring with roles and bare ``<NA>`` turned into inline code."""
    out, in_example = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith((">>>", "... ")) or stripped == "...":
            in_example = True
        elif not stripped:
            in_example = False
        if not in_example:
            line = _bare_na(ROLE.sub(_role, line))
        out.append(line)
    return "\n".join(out)


class MarkdownDocstrings(griffe.Extension):
    """Rewrite every loaded docstring with :func:`adapt`."""

    def on_object(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = adapt(obj.docstring.value)
