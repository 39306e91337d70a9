"""The URLs each load cycles through: list pages (search term + filters) and offer pages."""

import random
from urllib.parse import urlencode

from django.urls import reverse

from bench import words
from courses.models import District, Municipality, Offer, Semester

SEED = 7

# Words from the generated summaries and descriptions, beyond the subjects.
EXTRA_TERMS_NB = [
    "verksted",
    "kurs",
    "gruppe",
    "kaffe",
    "energi",
    "frivillig",
    "kognitiv terapi",
    "nybegynnere",
    "lavterskel",
    "måltid",
    "samtalegruppe",
    "grunnkurs",
    "videregående",
    "pause",
]
EXTRA_TERMS_DA = [
    "værksted",
    "kursus",
    "hold",
    "undervisere",
    "fællesskab",
    "begynderhold",
    "øvede",
    "selvhjælpsgruppe",
    "sundhedshuset",
    "måltid",
]
# Misspellings: no hits, so the page falls back to the closest words ("Viser treff for …").
TYPOS = ["keramik kurs", "strikkin", "mindfullness", "turgåning", "selvhjellp", "akvarel maling"]


def search_terms(rng):
    """About 300 distinct search terms in both languages: single words, pairs, prefixes, typos."""
    terms = []
    for nb, da in words.SUBJECTS:
        terms.append(nb)
        if da != nb:
            terms.append(da)
    terms += EXTRA_TERMS_NB + EXTRA_TERMS_DA
    for _ in range(60):
        a, b = rng.sample(words.SUBJECTS, 2)
        lang = rng.randrange(2)
        terms.append(f"{a[lang]} {b[lang]}")
    terms += [t.capitalize() for t in rng.sample(terms, 20)]
    terms += TYPOS
    return list(dict.fromkeys(terms))


def list_paths(count, *, rng=None):
    rng = rng or random.Random(SEED)
    base = reverse("catalogue:list")
    municipalities = list(Municipality.objects.order_by("slug"))
    districts = list(District.objects.select_related("municipality").order_by("slug"))
    semesters = [s.slug for s in Semester.objects.order_by("starts_on")][1:]  # the upcoming ones
    terms = search_terms(rng)
    danish_terms = {da for _nb, da in words.SUBJECTS} | set(EXTRA_TERMS_DA)
    norwegian_terms = {nb for nb, _da in words.SUBJECTS} | set(EXTRA_TERMS_NB)

    def country_for(term):
        first = term.lower().split()[0]
        if first in danish_terms and first not in norwegian_terms:
            return "DK"
        if first in norwegian_terms and first not in danish_terms:
            return "NO"
        return rng.choice(["NO", "DK"])

    def filter_options(term):
        country = country_for(term)
        options = {}
        picks = rng.choices(
            [
                "kind",
                "place",
                "audience",
                "join",
                "semester",
                "weekday",
                "time",
                "age",
                "language",
                "free_seats",
                "free",
            ],
            weights=[20, 25, 8, 8, 10, 8, 8, 5, 4, 8, 6],
            k=rng.choices([1, 2, 3], weights=[50, 35, 15])[0],
        )
        for pick in picks:
            if pick == "kind":
                options["kind"] = rng.sample([k.value for k in Offer.Kind], rng.choice([1, 1, 2]))
            elif pick == "place":
                if rng.random() < 0.35:
                    district = rng.choice([d for d in districts if d.municipality.country == country])
                    options["kommune"] = district.municipality.slug
                    options["bydel"] = district.slug
                else:
                    options["kommune"] = rng.choice([m for m in municipalities if m.country == country]).slug
            elif pick == "audience":
                options["audience"] = [rng.choice([a.value for a in Offer.Audience])]
            elif pick == "join":
                options["join"] = rng.sample([j.value for j in Offer.JoinMethod], rng.choice([1, 2]))
            elif pick == "semester":
                options["semester"] = rng.choice(semesters)
            elif pick == "weekday":
                options["weekday"] = sorted(rng.sample("12345", rng.choice([1, 2])))
            elif pick == "time":
                options["time"] = rng.choice(["morning", "afternoon", "evening"])
            elif pick == "age":
                options["age"] = rng.choice([19, 25, 35, 50, 70])
            elif pick == "language":
                options["language"] = "da" if country == "DK" else rng.choice(["no", "en"])
            elif pick == "free_seats":
                options["free_seats"] = "on"
            elif pick == "free":
                options["free"] = "on"
        if rng.random() < 0.2:
            options["sort"] = rng.choice(["soonest", "newest", "title"])
        if rng.random() < 0.05:
            options["side"] = 2
        return options

    paths = set()
    ordered = []
    while len(ordered) < count:
        term = terms[len(ordered) % len(terms)] if len(ordered) < len(terms) else rng.choice(terms)
        query = {"q": term, **filter_options(term)}
        path = f"{base}?{urlencode(query, doseq=True)}"
        if path not in paths:
            paths.add(path)
            ordered.append(path)
    rng.shuffle(ordered)
    return ordered


def detail_paths(count, *, rng=None):
    rng = rng or random.Random(SEED + 1)
    slugs = list(Offer.objects.published().order_by("pk").values_list("slug", flat=True))
    return [reverse("catalogue:detail", kwargs={"slug": slug}) for slug in rng.sample(slugs, count)]
