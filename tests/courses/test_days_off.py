import datetime as dt

from django.utils import translation

from courses.days_off import days_off


def test_norways_days_off_are_its_public_holidays_with_christmas_eve_and_new_years_eve():
    with translation.override("nb"):
        days = days_off("NO", [2027])
    assert days == {
        dt.date(2027, 1, 1): "Første nyttårsdag",
        dt.date(2027, 3, 25): "Skjærtorsdag",
        dt.date(2027, 3, 26): "Langfredag",
        dt.date(2027, 3, 28): "Første påskedag",
        dt.date(2027, 3, 29): "Andre påskedag",
        dt.date(2027, 5, 1): "Arbeidernes dag",
        dt.date(2027, 5, 6): "Kristi himmelfartsdag",
        dt.date(2027, 5, 16): "Første pinsedag",
        dt.date(2027, 5, 17): "Andre pinsedag; Grunnlovsdag",
        dt.date(2027, 12, 24): "Julaften",
        dt.date(2027, 12, 25): "Første juledag",
        dt.date(2027, 12, 26): "Andre juledag",
        dt.date(2027, 12, 31): "Nyttårsaften",
    }


def test_store_bededag_is_a_danish_day_off_until_it_was_abolished_in_2024():
    # The fourth Friday after Easter Sunday.
    days = days_off("DK", [2023, 2024, 2025])
    assert dt.date(2023, 5, 5) in days
    assert dt.date(2024, 4, 26) not in days and dt.date(2025, 5, 16) not in days
    assert {dt.date(2025, 12, 24), dt.date(2025, 12, 31)} <= days.keys()
    assert dt.date(2025, 5, 1) not in days  # a public holiday in Norway, not in Denmark


def test_the_names_follow_the_language_of_the_page():
    with translation.override("en"):
        assert days_off("NO", [2027])[dt.date(2027, 3, 25)] == "Maundy Thursday"
    with translation.override("da"):
        assert days_off("DK", [2027])[dt.date(2027, 3, 25)] == "Skærtorsdag"
        assert days_off("NO", [2027])[dt.date(2027, 3, 25)] == "Skjærtorsdag"  # the package has no Danish for Norway
    with translation.override("nn"):
        assert days_off("DK", [2027])[dt.date(2027, 3, 25)] == "Skærtorsdag"  # nor Norwegian for Denmark
