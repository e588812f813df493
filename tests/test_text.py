import pytest

from qa import text

pytestmark = pytest.mark.unit


def test_sentence_spans_are_exact_and_keep_lines_apart() -> None:
    t = "Mr. Smith left. She came at 5 p.m. today!\nA Headline\n“Quoted,” he said."
    spans = list(text.sentence_spans(t))
    assert [t[s:e] for s, e in spans] == [
        "Mr. Smith left.", "She came at 5 p.m. today!", "A Headline", "“Quoted,” he said."]


def test_ellipsis_before_lowercase_does_not_split() -> None:
    t = "It was explained by its unlawfulness… their duties were limited."
    assert len(list(text.sentence_spans(t))) == 1


@pytest.mark.parametrize("line", [
    "Admiral Tony Radakin (OGL 3, via Wikimedia Commons).",
    "Read Next: Russian Colonel Admits Ukraine Invasion Is Going Horribly Wrong on National TV",
    "Russian Troops on the Verge of Mutiny",
])
def test_debris_lines(line: str) -> None:
    assert text.sentences(line)[0][2] is True


def test_caption_line_taints_every_sentence_on_it() -> None:
    t = "The ceremony of presenting the banner of the troops. Source:\nA real sentence here."
    flags = [d for _, _, d in text.sentences(t)]
    assert flags == [True, True, False]


def test_numbers_and_names() -> None:
    assert text.numbers("1,000 people, a dozen men, on February 24th") == {"1000", "12", "24"}
    assert text.names("Benyash spoke from Krasnodar to the Financial Times.") == {
        "krasnodar", "financial", "times"}


def test_stem_folds_plurals_and_tenses() -> None:
    assert text.stem("guardsmen") == text.stem("guardsman")
    assert text.stem("calling") == text.stem("call") == text.stem("calls")
    assert text.stem("refuse") == text.stem("refused") == text.stem("refusing")
    # Porter 2 also folds derivations a plain suffix stripper misses.
    assert text.stem("responsible") == text.stem("responsibilities")
    assert text.stem("directly") == text.stem("direct")


@pytest.mark.parametrize(("british", "american"), [
    ("honoured", "honored"), ("behaviour", "behavior"), ("organisation", "organization"),
    ("analysed", "analyzed"), ("Defence".lower(), "defense"), ("licence", "license"),
    ("centres", "centers"), ("metre", "meter"), ("catalogue", "catalog"),
])
def test_stem_folds_british_spellings(british: str, american: str) -> None:
    assert text.stem(british) == text.stem(american)


@pytest.mark.parametrize(("word", "other"), [("four", "for"), ("hour", "her"), ("tour", "tor"),
                                         ("basis", "base"), ("sense", "since")])
def test_the_spelling_fold_leaves_short_and_unrelated_words_apart(word: str, other: str
                                                                   ) -> None:
    assert text.stem(word) != text.stem(other)


def test_a_capitalized_run_is_one_name_with_of_inside() -> None:
    found = text.CAPITALIZED.findall("Mikhail Benyash wrote to the Bank of England and the "
                                     "Ministry of the Interior, then to Agora.")
    assert found == ["Mikhail Benyash", "Bank of England", "Ministry of the Interior", "Agora"]


def test_the_role_lists_are_one_family() -> None:
    # The narrower lists are cut from the role nouns, never written apart from them.
    assert text.NAME_ROLES < text.ROLE_NOUNS
    assert text.TITLES - text.HONORIFICS < text.ROLE_NOUNS
    assert set(text.WH_WORDS) <= text.QUESTION_FRAME
