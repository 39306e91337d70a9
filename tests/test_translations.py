"""The nynorsk, Danish and English catalogues are complete, correct and really used.

Bokmål is the source language, so it has no catalogue of its own. Run
``manage.py makemessages -l nn -l da -l en ...`` (see the README) and translate
every new entry whenever a test here lists missing strings.
"""

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.commands import makemessages

from tests import factories

LANGUAGES = ["nn", "da", "en"]
LOCALE_DIR = Path(django_settings.BASE_DIR) / "locale"
PROJECT_ROOT = Path(django_settings.BASE_DIR)

# The same folders the documented makemessages command leaves out. "locale" is
# left out as well, so the walk never picks up the real catalogues as a target.
MAKEMESSAGES_IGNORE = [".venv", "node_modules", "static", "staticfiles", "bench", "tests", "locale"]
GETTEXT_TOOLS = ["xgettext", "msguniq", "msgmerge", "msgattrib"]

# %(name)s, %s, %d, %.2f ... ("%%" is a literal percent sign, not a placeholder).
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")
NAMED_PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def po_path(language):
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def entry_label(entry):
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{context}{entry.msgid!r}"


def entry_key(entry):
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or None)


def require_gettext():
    missing = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"GNU gettext is not installed ({', '.join(missing)} not found). Install it, e.g. "
            "`apt-get install gettext` (CI's .ci/run installs it), and run the tests again."
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_fully_translated(language):
    path = po_path(language)
    assert path.exists(), f"{path} is missing: run makemessages for {language!r} (see the README)."
    po = polib.pofile(str(path))

    assert po.metadata.get("Language") == language
    assert po.metadata.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")
    assert not po.metadata_is_fuzzy, "The header is marked fuzzy."

    problems = []
    for entry in po.obsolete_entries():
        problems.append(f"obsolete (remove it): {entry_label(entry)}")
    for entry in po.fuzzy_entries():
        problems.append(f"fuzzy (check it and remove the flag): {entry_label(entry)}")
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            forms = [entry.msgstr_plural.get(index, "") for index in (0, 1)]
            if not all(form.strip() for form in forms):
                problems.append(f"untranslated plural form: {entry_label(entry)}")
                continue
            pairs = [(entry.msgid, forms[0]), (entry.msgid_plural, forms[1])]
        else:
            if not entry.msgstr.strip():
                problems.append(f"untranslated: {entry_label(entry)}")
                continue
            pairs = [(entry.msgid, entry.msgstr)]
        if "python-format" in entry.flags or NAMED_PLACEHOLDER.search(entry.msgid):
            for source, translation in pairs:
                if placeholders(source) != placeholders(translation):
                    problems.append(
                        f"placeholders differ: {entry_label(entry)} has {placeholders(source)}, "
                        f"the translation {translation!r} has {placeholders(translation)}"
                    )

    assert not problems, f"{path.relative_to(PROJECT_ROOT)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_passes_msgfmt_check(language):
    require_gettext()
    result = subprocess.run(
        ["msgfmt", "--check-format", "--check-header", "-o", "/dev/null", str(po_path(language))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


class _MakemessagesIntoLocalePaths(makemessages.Command):
    """makemessages that writes only into settings.LOCALE_PATHS[0].

    Stock makemessages also adds ./locale (the real catalogues) as a target and
    sends every project file there, whatever LOCALE_PATHS says.
    """

    def find_files(self, root):
        files = super().find_files(root)
        target = self.default_locale_path
        for translatable in files:
            translatable.locale_dir = target
        self.locale_paths = [target]
        return files


def _snapshot(folder):
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_catalogue_covers_every_string_in_the_source(settings, tmp_path, monkeypatch):
    require_gettext()
    scratch_locale = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, scratch_locale, ignore=shutil.ignore_patterns("*.mo"))
    settings.LOCALE_PATHS = [str(scratch_locale)]
    monkeypatch.chdir(PROJECT_ROOT)
    before = _snapshot(LOCALE_DIR)

    call_command(
        _MakemessagesIntoLocalePaths(),
        locale=LANGUAGES,
        ignore_patterns=list(MAKEMESSAGES_IGNORE),
        no_location=True,
        verbosity=0,
    )

    assert _snapshot(LOCALE_DIR) == before, "The check must not touch the real locale/ folder."
    missing = []
    for language in LANGUAGES:
        fresh = polib.pofile(str(scratch_locale / language / "LC_MESSAGES" / "django.po"))
        committed = polib.pofile(str(po_path(language)))
        known = {entry_key(entry) for entry in committed if not entry.obsolete}
        for entry in fresh:
            if not entry.obsolete and entry_key(entry) not in known:
                missing.append(f"{language}: {entry_label(entry)}")

    assert not missing, (
        "These source strings are not in the committed catalogues. Run makemessages "
        "(see the README) and translate them:\n" + "\n".join(missing)
    )


@pytest.fixture
def compiled_translations(settings):
    """Fresh .mo files, and Django's translation caches emptied so they are read again."""
    call_command("compile_translations", verbosity=0)
    # Setting LOCALE_PATHS fires setting_changed, which makes Django drop its loaded catalogues.
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)


@pytest.mark.django_db
def test_switching_language_changes_the_text(client, compiled_translations):
    factories.offer(title="Keramikk for alle")

    bokmal = client.get("/").content.decode()
    english = client.get("/en/").content.decode()
    assert 'lang="nb"' in bokmal
    assert "Finn et kurs eller et fellesskap som passer for deg" in bokmal
    assert "Find a course or a community that suits you" not in bokmal
    assert 'lang="en"' in english
    assert "Find a course or a community that suits you" in english
    assert "Finn et kurs eller et fellesskap som passer for deg" not in english
    assert "Skip to main content" in english

    danish = client.get("/da/tilbud/").content.decode()
    assert 'lang="da"' in danish
    assert "Søg i alle tilbud" in danish
    assert "Søk i alle tilbud" not in danish
    assert "Mestringskursus" in danish  # a model choice label (gettext_lazy) in the offer card
    assert "Udbyder" in danish

    nynorsk = client.get("/nn/tilbud/").content.decode()
    assert "Søk i alle tilbod" in nynorsk
    assert "Meistringskurs" in nynorsk


def test_the_language_menu_names_each_language_in_itself_and_short(client):
    page = client.get("/personvern/").content.decode()
    menu = page.split('class="language-nav"', 1)[1].split("</nav>", 1)[0]
    names = re.findall(r'lang="(\w+)" hreflang="\w+"[^>]*>([^<]+)</a>', menu)
    assert names == [("nb", "Bokmål"), ("nn", "Nynorsk"), ("da", "Dansk"), ("en", "English")]
