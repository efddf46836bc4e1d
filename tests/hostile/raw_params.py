"""Parameters a view reads straight from request.POST or request.GET, outside any form: found
in the source of the view's module, so a new one is attacked without anyone listing it."""

from __future__ import annotations

import inspect
import re
import sys
from functools import cache

_READ = re.compile(r"request\.(POST|GET)(?:\.get|\.getlist|\.pop)?\s*[\[(]\s*[\"']([\w-]+)[\"']")


@cache
def _module_params(module_name: str) -> dict[str, frozenset[str]]:
    module = sys.modules.get(module_name)
    if module is None:
        return {"POST": frozenset(), "GET": frozenset()}
    source = inspect.getsource(module)
    found: dict[str, set[str]] = {"POST": set(), "GET": set()}
    for method, name in _READ.findall(source):
        found[method].add(name)
    return {method: frozenset(names) for method, names in found.items()}


def raw_params(view: object, method: str) -> frozenset[str]:
    target = inspect.unwrap(view)  # type: ignore[arg-type]
    view_class = getattr(view, "view_class", None)
    module = (view_class or target).__module__
    return _module_params(module)[method]
