"""The 25 IFEval ids of IFBench's registry, as ``ifbench.<id>``: evalkit's IFEval checkers.

Upstream's classic module is Google's IFEval code run on IFBench's text utilities. Sentence
counting there is NLTK Punkt (``punkt_tab``), word counting ``\\w+`` and word tokens
``nltk.word_tokenize`` — what evalkit's IFEval checkers already reproduce — so each id is the
IFEval checker under a second name. One difference: language identification (``language:*``,
``change_case:english_*``) is langdetect seeded with 0 here, unseeded upstream. None of these
ids occurs in IFBench_test.
"""

from __future__ import annotations

from evalkit.verifiers.ifeval.aliases import register_ifeval_alias

CLASSIC_IDS = (
    "keywords:existence", "keywords:frequency", "keywords:forbidden_words", "keywords:letter_frequency",
    "language:response_language", "length_constraints:number_sentences",
    "length_constraints:number_paragraphs", "length_constraints:number_words",
    "length_constraints:nth_paragraph_first_word", "detectable_content:number_placeholders",
    "detectable_content:postscript", "detectable_format:number_bullet_lists",
    "detectable_format:constrained_response", "detectable_format:number_highlighted_sections",
    "detectable_format:multiple_sections", "detectable_format:json_format", "detectable_format:title",
    "combination:two_responses", "combination:repeat_prompt", "startend:end_checker", "startend:quotation",
    "change_case:capital_word_frequency", "change_case:english_capital", "change_case:english_lowercase",
    "punctuation:no_comma",
)


for _id in CLASSIC_IDS:
    register_ifeval_alias("ifbench", _id, __name__)
