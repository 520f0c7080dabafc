"""Headless Chromium for the HTML tests: Debian's ``chromium`` package driven by Playwright
(no browser download). A missing browser fails the tests, never skips them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> str:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail("chromium is not installed: the browser tests cannot run. Install the "
                    "Debian package chromium (`make system-deps`) and run the tests again.")
    return CHROMIUM if Path(CHROMIUM).exists() else str(shutil.which("chromium"))


@dataclass
class Visit:
    page: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@contextmanager
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium_path(), headless=True, args=FLAGS)
        try:
            yield instance
        finally:
            instance.close()


def visit(instance: Any, path: Path) -> Visit:
    """Open ``path``; console errors, page errors and every request are recorded, and any
    request that is not the file itself or inline data is refused (no network)."""
    page = instance.new_page(viewport={"width": 1400, "height": 1000})
    seen = Visit(page)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(str(e)))

    def route(r: Any) -> None:
        seen.requests.append(r.request.url)
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            r.abort()
    page.route("**/*", route)
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    return seen
