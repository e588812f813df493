import pytest

from qa.answer.names import called, described, mentions_any, refers

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("text", "names", "expected"), [
    ("guardsmen in the Crimean peninsula", ["crimea"], True),  # a word's start counts
    ("Emma Stone starred in La La Land.", ["la", "land"], True),
    ("He landed there last year.", ["la"], False),  # a short name is a whole word
    ("US troops", ["us"], True),
    ("It was used by the army.", ["us"], False),
    ("anything", [], False),
])
def test_mentions_any(text: str, names: list[str], expected: bool) -> None:
    assert mentions_any(text, names) is expected


def test_a_report_names_a_thing_once_then_by_its_noun() -> None:
    nouns = described("How many people does the Carrow plant employ?")
    assert nouns == {"plant": ["carrow"]}
    report = "A fire broke out at the Carrow chemical plant. The plant employs 600 people."
    assert refers("The plant employs 600 people.", report, nouns)
    assert not refers("The plant employs 600 people.", "A fire at the Dunmore plant.", nouns)
    assert not refers("A plant employs 600 people.", report, nouns)  # "the" points back
    # ... or the noun opens the sentence bare, as a title does in news copy
    company = described("Who is the spokesman for the Carrow company?")
    assert refers("Company spokesman Tomas Reyes said the fire started in a hall.",
                  "A fire at the Carrow chemical plant, a Carrow company site.", company)
    assert not refers("Spokesman Tomas Reyes said the company would pay.",
                      "A fire at the Carrow company site.", {"plant": ["carrow"]})


def test_a_report_gives_a_name_its_noun_before_of_it() -> None:
    report = "Flooding in the river town of Merrow forced 3,000 from their homes."
    nouns = called(report, ["merrow"])
    assert nouns == {"town": ["merrow"]}
    assert refers("Voss, the town's mayor, said residents had been warned.", report, nouns)
    # A role says who, a plural its people: neither is what the name is.
    assert called("the mayor of Merrow met the residents of Merrow", ["merrow"]) == {}
    assert called("a town of Merrow's size", ["merrow"]) == {}  # no "the" before the noun
