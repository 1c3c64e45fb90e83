"""Descriptions of organisations ("the company", "the Oslo-based firm") resolved to the
organisation they stand for."""

from __future__ import annotations

from qa.attribution.reference import organisations, references
from qa.attribution.statements import Speaker


def _resolved(text: str, names: list[str]) -> list[tuple[str, str]]:
    return [(ref.text(text), ref.name) for ref in references(text, names)]


def test_organisations_come_from_organisation_speakers_and_the_firms_roles_name():
    speakers = [
        Speaker("Ingrid Dahl", role="chief executive of Norwegian robot maker Fjordline Robotics"),
        Speaker("Tom Berg", role="professor at the Royal Institute of Technology"),
        Speaker("Ola Lie", role="mayor of nearby Drammen"),  # a town, not a firm
        Speaker("Nordic Freight Union", kind="organization"),
        Speaker("Nation", kind="organization"),  # a lone capitalised word names no one
        Speaker("a spokesperson", role="spokesperson for the association", named=False),
    ]
    assert organisations(speakers) == ["Fjordline Robotics", "Royal Institute of Technology", "Nordic Freight Union"]


def test_a_description_stands_for_the_fitting_organisation_talked_about_most():
    text = (
        "Fjordline Robotics will cut 40 jobs, the company said. Analyst Kari Moe, who follows the company "
        "for Nordic Equity Group, said the cuts were expected. The Oslo-based company makes warehouse robots."
    )
    assert _resolved(text, ["Fjordline Robotics", "Nordic Equity Group"]) == [
        ("the company", "Fjordline Robotics"),
        ("the company", "Fjordline Robotics"),
        ("The Oslo-based company", "Fjordline Robotics"),  # not the group named last
    ]


def test_an_institution_is_only_what_its_name_says_it_is():
    text = "Tom Berg teaches at the Royal Institute of Technology. The institute said the company broke no rules."
    assert _resolved(text, ["Royal Institute of Technology"]) == [("The institute", "Royal Institute of Technology")]


def test_a_description_that_names_its_firm_or_comes_first_stands_for_nothing():
    assert _resolved("The company Fjordline Robotics said so. So did the firm of Hansen.", ["Fjordline Robotics"]) == []
    assert _resolved("The company said so, according to Fjordline Robotics.", ["Fjordline Robotics"]) == []
    assert _resolved("Nothing here.", []) == []
