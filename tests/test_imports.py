"""Imports between the portal's apps run one way, and no module of services grows past what one reader holds.

Every import is read, those inside functions too: an import inside a function still makes the lower app depend
on the higher one, it only hides it.
"""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# The apps in the order settings.INSTALLED_APPS lists them: each may import those before it, never one after.
APPS = [app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").exists()]
SHARED = "base"  # no app: every app may import it, and it imports none


def imported_apps(path: Path) -> dict[str, int]:
    """The apps (and base) a module imports, each with the line of its first import."""
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in APPS or top == SHARED:
                found.setdefault(top, node.lineno)
    return found


def modules_of(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def test_the_apps_are_listed_lowest_first_and_each_imports_only_those_below_it():
    assert APPS[:5] == ["audit", "accounts", "courses", "enrolment", "referrals"]
    wrong = []
    for rank, app in enumerate(APPS):
        for path in modules_of(app):
            for other, line in imported_apps(path).items():
                if other != app and other != SHARED and APPS.index(other) > rank:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {other}, an app above {app}")
    assert not wrong, "\n".join(wrong)


def test_the_shared_pieces_import_no_app():
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {other}"
        for path in modules_of(SHARED)
        for other, line in imported_apps(path).items()
        if other != SHARED
    ]
    assert not wrong, "\n".join(wrong)


def test_there_is_no_circle_between_apps():
    """Implied by the test above; kept as its own statement, as the house style puts it."""
    edges = {app: set() for app in APPS}
    for app in APPS:
        for path in modules_of(app):
            edges[app] |= {other for other in imported_apps(path) if other in APPS and other != app}

    def reaches(start, goal, seen=()):
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, (*seen, nxt))) for nxt in edges[start])

    circles = [app for app in APPS if reaches(app, app)]
    assert not circles, f"apps in an import circle: {circles}"


def test_no_module_of_services_is_longer_than_about_600_lines():
    too_long = []
    for app in APPS:
        for path in modules_of(app):
            if path.name == "services.py" or "services" in path.parent.name:
                lines = len(path.read_text(encoding="utf-8").splitlines())
                if lines > 600:
                    too_long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert not too_long, "split these by sub-domain:\n" + "\n".join(too_long)
