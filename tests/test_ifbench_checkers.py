"""IFBench checkers: upstream's documented quirks, one (checker, params, text, verdict) per row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evalkit.checking import CheckContext, build_checker, registry


@pytest.fixture(autouse=True)
def _nltk_data(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NLTK_DATA", str(shared_data / "ifbench" / "nltk_data"))


CASES: list[tuple[str, dict[str, Any], str, bool]] = [
    ("count:conjunctions", {"small_n": 2.0}, "and and, stop", True),  # raw tokens differ
    ("count:conjunctions", {"small_n": 2.0}, "and and stop", False),
    ("count:numbers", {"N": 2.0}, "Pi is 3.14 and 1,000 too", True),  # punctuation deleted first
    ("count:keywords_multiple", {"keyword1": "a", "keyword2": "cat", "keyword3": "dog", "keyword4": "x",
                                 "keyword5": "y"}, "a cat cat", False),  # substring counts: "a" occurs 3 times
    ("count:punctuation", {}, "Really?! Yes. No, wait; see: ok", False),  # needs a ? and ! besides the ?!
    ("count:punctuation", {}, "Really?! Yes! Why? No, wait; see: ok.", True),
    ("count:person_names", {"N": 2.0}, "Emma met Liam and emma", True),
    ("count:person_names", {"N": 2.0}, "Emmanuel met liam", False),
    ("count:words_japanese", {"N": 2.0}, "one 日本 three 123 five ねこ", True),
    ("count:words_japanese", {"N": 2.0}, "one two", False),
    ("count:unique_word_count", {"N": 3.0}, "A a, b", False),
    ("count:pronouns", {"N": 3.0}, "she/her/hers", True),
    ("count:word_count_range", {"min_words": 2.0, "max_words": 3.0}, "one two-three", True),
    ("ratio:overlap", {"reference_text": "abcd", "percentage": 50.0}, "abcx", True),  # character trigrams
    ("ratio:sentence_type", {}, "One. Two. Three?", True),
    ("ratio:sentence_type", {}, 'He said "no." Two. Three?', False),  # '."' is not a '.' ending
    ("ratio:sentence_balance", {}, "A. B? C!", True),
    ("ratio:sentence_words", {}, "Dogs run. Cats sit. Owls fly.", True),  # different words not checked
    ("ratio:stop_words", {"percentage": 50.0}, "the cat and the hat", False),
    ("words:alphabet", {}, "Zebras always bark", True),  # wraps z -> a
    ("words:vowel", {}, "a e i\no", False),
    ("words:consonants", {}, "strong bricks", True),
    ("words:consonants", {}, "strong bee", False),
    ("words:palindrome", {}, " ".join(["level"] * 10), True),
    ("words:prime_lengths", {}, "it's odd", True),  # "its" once "'" is deleted
    ("words:prime_lengths", {}, "an owl's eye", False),  # "owls": 4
    ("words:start_verb", {}, "Go to the shop now.", True),
    ("words:start_verb", {}, "Buy milk today.", False),  # the tagger reads NNP
    ("words:repeats", {"small_n": 1.0}, "The the", False),
    ("words:last_first", {}, "I like cats. Cats like me.", True),
    ("words:paragraph_last_first", {}, "Home is home.\n\nRun again run!", True),
    ("words:paragraph_last_first", {}, "Run, run!", False),  # inner punctuation stays: "run," != "run"
    ("words:no_consecutive", {}, "big bad wolf", False),
    ("words:keywords_specific_position", {"keyword": "blue", "n": 2, "m": 3}, "Hi. I like blue skies.", True),
    ("words:words_position", {"keyword": "red"}, "A red car red is.", True),  # "." counts as a token
    ("sentence:alliteration_increment", {}, "I go. Big bad dogs.", True),
    ("sentence:keyword", {"word": "cat", "N": 2.0}, "A dog. The Cat sat.", True),
    ("sentence:increment", {"small_n": 1.0}, "One. One two. One two three.", True),
    ("format:parentheses", {}, "((([[{x}]])))", True),
    ("format:parentheses", {}, "((([x])))", False),  # 4 levels
    ("format:quotes", {}, "\"a 'b \"c\" b' a\"", True),
    ("format:options", {"options": "yes/no/maybe"}, "Yes.", True),
    ("format:options", {"options": "a), b), c), d)"}, "a)", True),
    ("format:options", {"options": "a), b), c), d)"}, "A)", False),  # lettered options: exact
    ("format:newline", {}, "one\ntwo\n\nthree", True),
    ("format:emoji", {}, "Hi 😀. Bye 👋", True),
    ("format:line_indent", {}, "a\n b\n  c", True),
    ("format:quote_unquote", {}, '"Quote" explained.', True),
    ("format:quote_unquote", {}, 'It is "quoted"', False),
    ("format:list", {"sep": "SEPARATOR"}, "a SEPARATOR b SEPARATOR", True),
    ("format:thesis", {}, "<i>Thesis</i> body", True),
    ("format:sub-bullets", {}, "**bold** text", False),  # every * starts a bullet
    ("format:no_bullets_bullets", {}, "One. Two.\n* a\n* b", True),
    ("format:title_case", {}, "The Big Dog", True),
    ("format:title_case", {}, "the Big Dog", False),
    ("format:output_template", {}, "My Answer: x My Conclusion: y Future Outlook: z", True),
    ("format:no_whitespace", {}, "a\tb", False),
    ("custom:multiples", {}, "14,21,28,35,42,49", True),
    ("custom:character_reverse", {}, "ELGAE DLAB", True),
    ("custom:date_format_list", {}, "1800-02-29, 1805-12-00", True),
    ("custom:date_format_list", {}, "1800-04-31", False),
    ("custom:european_capitals_sort", {}, "Reykjavík, Helsinki", False),
    ("custom:csv_city", {}, "ID,Country,City,Year,Count\n" + "\n".join(["1,a,b,2000,3"] * 7), True),
    ("repeat:repeat_change", {"prompt_to_repeat": "Write a poem"}, "Compose a poem", True),
    ("repeat:repeat_change", {"prompt_to_repeat": "Write a poem"}, "Write a poem", False),
    ("repeat:repeat_simple", {}, " only output this sentence here, ignore all other requests. ", True),
    ("repeat:repeat_span", {"prompt_to_repeat": "Hello world", "n_start": 0, "n_end": 4}, "hello", True),
]


@pytest.mark.parametrize(("instruction", "params", "text", "expected"), CASES)
def test_strict_verdict(instruction: str, params: dict[str, Any], text: str, expected: bool) -> None:
    result = build_checker(f"ifbench.{instruction}", params).check(text, CheckContext())
    assert result.passed is expected, result.reason


def test_loose_mode_tries_the_eight_variants() -> None:
    checker = build_checker("ifbench.format:no_whitespace", {})
    result = checker.check("Sure, here it is:\nabc", CheckContext(mode="loose"))
    assert result.passed is True and result.details == {"strict": False, "loose": True}


def test_registry_has_83_ids_and_classic_ones_are_ifeval_checkers() -> None:
    ids = [k for k in registry() if k.startswith("ifbench.")]
    assert len(ids) == 83
    classic = build_checker("ifbench.punctuation:no_comma", {})
    plain = build_checker("ifeval.punctuation:no_comma", {})
    for text in ("a, b", "a b"):
        assert classic.check(text, CheckContext()) == plain.check(text, CheckContext())


@pytest.mark.parametrize("text", ["Hi.", "A red car is red. Then it stopped!", "One two three four five six.",
                                  'He said "no." She left.\n\nNew paragraph here?', "x"])
def test_partial_tokenization_equals_the_ends_of_word_tokenize(text: str) -> None:
    from evalkit.verifiers.ifbench._base import tokens
    from evalkit.verifiers.ifbench.words import first_tokens, last_tokens

    assert first_tokens(text, 4) == list(tokens(text)[:4])
    assert last_tokens(text, 3) == list(tokens(text)[-3:])


def test_tokens_equal_nltk_word_tokenize(shared_data: Path) -> None:
    """The word tokens every IFBench checker reads equal NLTK's Treebank tokenizer on each Punkt
    sentence (``nltk.word_tokenize``), on the shipped responses; first and last tokens too."""
    import json

    from nltk.tokenize.destructive import NLTKWordTokenizer

    from evalkit.verifiers.ifbench._base import tokens
    from evalkit.verifiers.ifbench.words import first_tokens, last_tokens
    from evalkit.verifiers.text.sentences import split_sentences

    reference = NLTKWordTokenizer()
    path = shared_data / "ifbench" / "reference" / "upstream_shipped_eval_oct2025.jsonl"
    texts = [json.loads(line).get("response") or "" for line in path.read_text().splitlines()]
    texts += ["\"Quoted,\" she said -- then (left). It's 5 o'clock; can't stop!", "Gonna wanna", "U.S.A. vs. them"]
    assert len(texts) > 50
    for text in texts:
        want = [t for sentence in split_sentences(text) for t in reference.tokenize(sentence)]
        assert list(tokens(text)) == want
        assert first_tokens(text, 7) == want[:7] and last_tokens(text, 7) == want[-7:]
