"""The nynorsk catalogue for django-allauth in locale_thirdparty/ is complete and correct.

allauth ships bokmål (nb) and Danish but no nynorsk, so locale_thirdparty/nn has our own
translation of allauth's messages. allauth's own nb catalogue holds every msgid allauth
uses, so it is the checklist: after an allauth upgrade, a test here lists each new string.
Copy those entries from allauth's nb .po into ours and translate them into nynorsk.
"""

import re
import shutil
import subprocess
from pathlib import Path

import allauth
import polib
import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation

PROJECT_ROOT = Path(django_settings.BASE_DIR)
NN_PO = PROJECT_ROOT / "locale_thirdparty" / "nn" / "LC_MESSAGES" / "django.po"
ALLAUTH_NB_PO = Path(allauth.__file__).resolve().parent / "locale" / "nb" / "LC_MESSAGES" / "django.po"

# %(name)s, %s, %d, %.2f ... ("%%" is a literal percent sign, not a placeholder).
PERCENT_PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")
NAMED_PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
# {email}, {number}, {} ... ("{{" and "}}" are literal braces).
BRACE_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def entry_key(entry):
    return (entry.msgctxt or None, entry.msgid, entry.msgid_plural or None)


def entry_label(entry):
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    plural = f" / plural {entry.msgid_plural!r}" if entry.msgid_plural else ""
    return f"{context}{entry.msgid!r}{plural}"


def percent_placeholders(text):
    return sorted(PERCENT_PLACEHOLDER.findall(text.replace("%%", "")))


def brace_placeholders(text):
    return sorted(BRACE_PLACEHOLDER.findall(text.replace("{{", "").replace("}}", "")))


def translation_pairs(entry):
    """(source, translation) pairs: one for a plain entry, one per form for a plural entry."""
    if entry.msgid_plural:
        forms = [entry.msgstr_plural.get(index, "") for index in sorted(entry.msgstr_plural)]
        return [(entry.msgid, forms[0])] + [(entry.msgid_plural, form) for form in forms[1:]]
    return [(entry.msgid, entry.msgstr)]


@pytest.fixture(scope="module")
def nn_catalogue():
    assert NN_PO.exists(), f"{NN_PO.relative_to(PROJECT_ROOT)} is missing."
    return polib.pofile(str(NN_PO))


@pytest.fixture(scope="module")
def allauth_nb_catalogue():
    assert ALLAUTH_NB_PO.exists(), f"allauth's bokmål catalogue is not at {ALLAUTH_NB_PO}."
    return polib.pofile(str(ALLAUTH_NB_PO))


def test_nn_header(nn_catalogue):
    assert nn_catalogue.metadata.get("Language") == "nn"
    assert nn_catalogue.metadata.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"
    assert "charset=UTF-8" in nn_catalogue.metadata.get("Content-Type", "")
    assert not nn_catalogue.metadata_is_fuzzy, "The header is marked fuzzy."


def test_nn_catalogue_is_fully_translated(nn_catalogue):
    problems = []
    for entry in nn_catalogue.obsolete_entries():
        problems.append(f"obsolete (remove it): {entry_label(entry)}")
    for entry in nn_catalogue.fuzzy_entries():
        problems.append(f"fuzzy (check it and remove the flag): {entry_label(entry)}")
    for entry in nn_catalogue:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            forms = [entry.msgstr_plural.get(index, "") for index in (0, 1)]
            if not all(form.strip() for form in forms):
                problems.append(f"untranslated plural form: {entry_label(entry)}")
        elif not entry.msgstr.strip():
            problems.append(f"untranslated: {entry_label(entry)}")

    assert not problems, f"{NN_PO.relative_to(PROJECT_ROOT)}:\n" + "\n".join(problems)


def test_nn_translations_keep_the_placeholders(nn_catalogue):
    problems = []
    for entry in nn_catalogue:
        if entry.obsolete:
            continue
        checks = []
        if "python-format" in entry.flags or NAMED_PLACEHOLDER.search(entry.msgid):
            checks.append(percent_placeholders)
        if "python-brace-format" in entry.flags:
            checks.append(brace_placeholders)
        for found in checks:
            for source, translated in translation_pairs(entry):
                if found(source) != found(translated):
                    problems.append(
                        f"{entry_label(entry)} has {found(source)}, "
                        f"the translation {translated!r} has {found(translated)}"
                    )

    assert not problems, "Placeholders differ:\n" + "\n".join(problems)


def test_nn_catalogue_covers_every_allauth_message(nn_catalogue, allauth_nb_catalogue):
    """Fails after an allauth upgrade that adds or changes strings, listing each of them."""
    ours = {entry_key(entry) for entry in nn_catalogue if not entry.obsolete}
    missing = [
        entry_label(entry) for entry in allauth_nb_catalogue if not entry.obsolete and entry_key(entry) not in ours
    ]

    assert not missing, (
        f"allauth {allauth.__version__} has {len(missing)} message(s) that "
        f"{NN_PO.relative_to(PROJECT_ROOT)} lacks. Copy them from {ALLAUTH_NB_PO} "
        "and translate them into nynorsk:\n" + "\n".join(missing)
    )


def test_nn_catalogue_passes_msgfmt_check():
    if shutil.which("msgfmt") is None:
        pytest.fail(
            "GNU gettext is not installed (msgfmt not found). Install it, e.g. "
            "`apt-get install gettext` (CI's .ci/run installs it), and run the tests again."
        )
    result = subprocess.run(
        ["msgfmt", "--check-format", "--check-header", "-o", "/dev/null", str(NN_PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def compiled_nn_catalogue(settings):
    """A fresh .mo next to our nn .po (what compile_translations makes), and Django's caches emptied."""
    polib.pofile(str(NN_PO)).save_as_mofile(str(NN_PO.with_suffix(".mo")))
    # Setting LOCALE_PATHS fires setting_changed, which makes Django drop its loaded catalogues.
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)


def test_allauth_speaks_nynorsk(client, compiled_nn_catalogue):
    assert any(Path(path).resolve() == NN_PO.parents[2].resolve() for path in django_settings.LOCALE_PATHS), (
        "locale_thirdparty is not in settings.LOCALE_PATHS."
    )
    with translation.override("nn"):
        assert translation.gettext("Forgot your password?") == "Har du gløymt passordet?"
        assert translation.pgettext("field label", "Login") == "Innlogging"
        url = reverse("account_reset_password")
    with translation.override("nb"):
        assert translation.gettext("Forgot your password?") != "Har du gløymt passordet?"  # allauth's own bokmål

    page = client.get(url).content.decode()
    assert url.startswith("/nn/")
    assert 'lang="nn"' in page
    assert "Nullstill passordet mitt" in page
    assert "Reset My Password" not in page
    assert "Tilbakestill passord" not in page
