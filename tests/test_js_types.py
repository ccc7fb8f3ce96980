"""The browser code keeps poll types in one place: static/js/polls/, one module per type.

(The JS type check itself runs in scripts/test: `tsc --noEmit -p jsconfig.json`.)
"""

from __future__ import annotations

import re
from pathlib import Path

from workshop.polls import POLL_TYPES

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "static" / "js"
POLLS_JS = JS / "polls"


def test_every_poll_type_has_its_browser_module() -> None:
    """Each server poll type is registered by its own module, which polls/index.js imports."""
    index = (POLLS_JS / "index.js").read_text(encoding="utf-8")
    for name in POLL_TYPES:
        module = POLLS_JS / f"{name}.js"
        assert module.is_file(), f"poll type {name!r} has no browser module {module.relative_to(ROOT)}"
        assert f"name: '{name}'" in module.read_text(encoding="utf-8"), f"{module.name} registers another name"
        assert f"import './{name}.js';" in index, f"static/js/polls/index.js does not import {name}.js"


def test_only_poll_type_modules_name_poll_types() -> None:
    """Outside static/js/polls/ no code compares a type to a poll type's name or switches on one."""
    names = "|".join(re.escape(name) for name in POLL_TYPES)
    literal = rf"""['"`](?:{names})['"`]"""
    pattern = re.compile(rf"type\s*[!=]==?\s*{literal}|{literal}\s*[!=]==?\s*\S*type\b|case\s+{literal}\s*:")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(JS.rglob("*.js"))
        if POLLS_JS not in path.parents
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not offenders, "poll type names outside static/js/polls/:\n" + "\n".join(offenders)
