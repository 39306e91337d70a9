"""Our catalogues for django-allauth in locale_thirdparty/ are complete, correct and really used.

allauth ships bokmål (nb) and Danish but no nynorsk, so locale_thirdparty/nn has our own
translation of allauth's messages. allauth's own nb catalogue holds every msgid allauth
uses, so it is the checklist: after an allauth upgrade, a test here lists each new string.
Copy those entries from allauth's nb .po into ours and translate them into nynorsk.

locale_thirdparty/nb, da and en hold only the texts we word differently from allauth (plain and
kind, the portal's own words for things): settings.LOCALE_PATHS puts them before allauth's
catalogues. Each of their msgids must still be one of allauth's, or the entry would silently do
nothing after an upgrade.
"""

import re
import shutil
import subprocess
from pathlib import Path

import allauth
import polib
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

PROJECT_ROOT = Path(django_settings.BASE_DIR)
THIRDPARTY = PROJECT_ROOT / "locale_thirdparty"
NN_PO = THIRDPARTY / "nn" / "LC_MESSAGES" / "django.po"
OVERRIDES = ["nb", "da", "en"]
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


# --- the override catalogues (nb, da, en) ---------------------------------------------------------------------


def override_po(language):
    return THIRDPARTY / language / "LC_MESSAGES" / "django.po"


def test_every_catalogue_in_locale_thirdparty_is_checked_here():
    """A new catalogue is checked as the others are: add its language to OVERRIDES (or a test of its own)."""
    found = sorted(path.parents[1].name for path in THIRDPARTY.glob("*/LC_MESSAGES/*.po"))
    assert found == sorted([*OVERRIDES, "nn"])


@pytest.mark.parametrize("language", OVERRIDES)
def test_override_catalogue_is_complete_and_keeps_the_placeholders(language):
    po = polib.pofile(str(override_po(language)))
    assert po.metadata.get("Language") == language
    assert po.metadata.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")
    assert not po.metadata_is_fuzzy
    problems = [f"obsolete: {entry_label(entry)}" for entry in po.obsolete_entries()]
    problems += [f"fuzzy: {entry_label(entry)}" for entry in po.fuzzy_entries()]
    for entry in po:
        if entry.obsolete:
            continue
        for source, translated in translation_pairs(entry):
            if not translated.strip():
                problems.append(f"untranslated: {entry_label(entry)}")
            if percent_placeholders(source) != percent_placeholders(translated):
                problems.append(f"placeholders differ: {entry_label(entry)} → {translated!r}")
            if "python-brace-format" in entry.flags and brace_placeholders(source) != brace_placeholders(translated):
                problems.append(f"placeholders differ: {entry_label(entry)} → {translated!r}")
    assert not problems, f"{override_po(language).relative_to(PROJECT_ROOT)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", OVERRIDES)
def test_override_catalogue_words_only_allauths_own_messages(language, allauth_nb_catalogue):
    """After an allauth upgrade that changes a text, our entry for the old text would do nothing: this lists it."""
    allauths = {entry_key(entry) for entry in allauth_nb_catalogue if not entry.obsolete}
    stale = [
        entry_label(entry) for entry in polib.pofile(str(override_po(language))) if entry_key(entry) not in allauths
    ]
    assert not stale, (
        f"{override_po(language).relative_to(PROJECT_ROOT)} words texts allauth {allauth.__version__} no longer has "
        "(find each one's new wording in allauth's catalogue and word that instead):\n" + "\n".join(stale)
    )


@pytest.mark.parametrize("language", OVERRIDES)
def test_override_catalogue_passes_msgfmt_check(language):
    if shutil.which("msgfmt") is None:
        pytest.fail("GNU gettext is not installed (msgfmt not found): `apt-get install gettext`.")
    result = subprocess.run(
        ["msgfmt", "--check-format", "--check-header", "-o", "/dev/null", str(override_po(language))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def compiled_thirdparty_catalogues(settings):
    """What compile_translations makes of locale_thirdparty/ (it compiles every catalogue in LOCALE_PATHS), fresh."""
    for mo in THIRDPARTY.glob("*/LC_MESSAGES/*.mo"):
        mo.unlink()
    call_command("compile_translations", verbosity=0)
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)  # Django reads its catalogues again


def test_compile_translations_compiles_every_thirdparty_catalogue(compiled_thirdparty_catalogues):
    assert sorted(mo.parents[1].name for mo in THIRDPARTY.glob("*/LC_MESSAGES/django.mo")) == sorted([*OVERRIDES, "nn"])


SIGNED_IN_PAGES = {"confirm it is you": "account_reauthenticate", "two-step login": "mfa_index"}

# What each language's sign-in pages say now, and the stiff wording they no longer say.
PLAIN = {
    "nb": (
        [
            "Har du ikke en konto ennå?",
            "For å beskytte kontoen din må du bekrefte at det er deg.",
            "Innlogging med to trinn",
        ],
        ["enda", "Vennligst", "vennligst", "autentiser deg", "Tofaktorautentisering"],
    ),
    "da": (
        [
            "Har du ikke en konto endnu?",
            "For at beskytte din konto skal du bekræfte, at det er dig.",
            "Login i to trin",
        ],
        ["venligst", "Venligst", "Genautentificer", "To-faktor-autentificering"],
    ),
    "en": (
        ["No account yet?", "To keep your account safe, confirm that it's you.", "Two-step login"],
        ["Please reauthenticate", "Two-Factor Authentication", "then please"],
    ),
    "nn": (
        ["Har du ikkje oppretta ein konto enno", "For å verne kontoen din må du stadfeste at det er deg."],
        ["vennleg", "Vennleg"],
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", sorted(PLAIN))
def test_allauths_pages_read_plainly_in_every_language(client, language, compiled_thirdparty_catalogues):
    from tests.people import person

    person("ida@example.org")
    with translation.override(language):
        login, *signed_in = [reverse(name) for name in ["account_login", *SIGNED_IN_PAGES.values()]]
    pages = [client.get(login).text]
    client.post(login, {"login": "ida@example.org", "password": "Et-langt-passord-2026"})
    pages += [client.get(url).text for url in signed_in]
    text = "\n".join(pages)
    said, not_said = PLAIN[language]
    for words in said:
        assert words in text, words
    for words in not_said:
        assert words not in text, words


@pytest.mark.django_db
def test_the_code_page_and_email_read_plainly(client, compiled_thirdparty_catalogues):
    from django.core import mail

    from tests.people import person

    person("ida@example.org")
    response = client.post(reverse("account_request_login_code"), {"email": "ida@example.org"})
    page = client.get(response.url).text
    assert "Koden virker bare en kort stund, så skriv den inn snart." in page
    assert "vennligst" not in page
    assert "Skriv den inn i nettleservinduet du har åpent." in mail.outbox[-1].body
    assert "Vennligst" not in mail.outbox[-1].body
