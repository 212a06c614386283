"""HTML pages of reports and review packages (Jinja2, autoescaped)."""

from __future__ import annotations

import functools

from jinja2 import Environment, PackageLoader, select_autoescape


@functools.cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("cybershield.response", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["label"] = lambda name: str(name).replace("_", " ").capitalize()
    return env


def render(template: str, **context) -> str:
    return _environment().get_template(template).render(**context)
