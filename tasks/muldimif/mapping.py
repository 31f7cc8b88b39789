"""How MulDimIF's raw ``Category_Subtype`` keys map to checkers and to reporting categories.

Upstream dispatches on the raw key (``f"{category}_{subtype}"``) to one of 12 checker classes, and
separately maps the raw key to one of 12 canonical ``First_Second`` names used only for the
tables. The two do not always agree (``Content_Quotes`` is checked by Content_Others but reported
under Content_Punctuation); both are reproduced here.
"""

from __future__ import annotations

KW = "muldimif.content.keywords"
PUNCT = "muldimif.content.punctuation"
C_OTHERS = "muldimif.content.others"
JSON = "muldimif.format.json"
MD = "muldimif.format.markdown"
TABLE = "muldimif.format.table"
F_OTHERS = "muldimif.format.others"
EN = "muldimif.language.english"
ZH = "muldimif.language.chinese"
WORDS = "muldimif.length.words"
SENTS = "muldimif.length.sentences"
PARAS = "muldimif.length.paragraphs"

# raw key -> (checker id, canonical "First_Second" reporting type)
RAW_KEYS: dict[str, tuple[str, str]] = {
    "Content_Keywords": (KW, "Content_Keywords"),
    "Content_Keywords: Must include": (KW, "Content_Keywords"),
    "Content_Mention": (C_OTHERS, "Content_Keywords"),
    "Content_Punctuation": (PUNCT, "Content_Punctuation"),
    "Content_Punctuation: Ending punctuation": (PUNCT, "Content_Punctuation"),
    "Punctuation_Ending punctuation": (PUNCT, "Content_Punctuation"),
    "Content_Quotes": (C_OTHERS, "Content_Punctuation"),
    "Content_Identifiers": (C_OTHERS, "Content_Identifiers"),
    "Citations_In-text": (C_OTHERS, "Content_Identifiers"),
    "Content_Sources": (C_OTHERS, "Content_Identifiers"),
    "Format_Text": (F_OTHERS, "Content_Identifiers"),
    "References_Format": (F_OTHERS, "Content_Identifiers"),
    "Format_Bullet Points": (F_OTHERS, "Content_Identifiers"),
    "Format_Table": (TABLE, "Format_Table"),
    "Table_Row limit": (TABLE, "Format_Table"),
    "Table_Column limit": (TABLE, "Format_Table"),
    "Format_Table: Row limit": (TABLE, "Format_Table"),
    "Format_Table: Column limit": (TABLE, "Format_Table"),
    "Table_Table": (F_OTHERS, "Format_Table"),
    "Format_Markdown": (MD, "Format_Markdown"),
    "Markdown_Heading levels": (MD, "Format_Markdown"),
    "Format_Markdown: Heading levels": (MD, "Format_Markdown"),
    "Markdown_Block quotes": (MD, "Format_Markdown"),
    "Format_Markdown: Block quotes": (F_OTHERS, "Format_Markdown"),
    "Format_Json": (JSON, "Format_Json"),
    "Json_Object nesting levels": (JSON, "Format_Json"),
    "Json_Number of attributes": (JSON, "Format_Json"),
    "Format_XML": (F_OTHERS, "Format_XML"),
    "XML_Number of attributes": (F_OTHERS, "Format_XML"),
    "Language_English": (EN, "Language_English"),
    "Language_English: Capitalized": (EN, "Language_English"),
    "Language_English: All Uppercase": (EN, "Language_English"),
    "Language_Chinese": (ZH, "Language_Chinese"),
    "Language_Chinese: Simplified": (ZH, "Language_Chinese"),
    "Language_Chinese: Traditional": (ZH, "Language_Chinese"),
    "Length_Words": (WORDS, "Length_Words"),
    "Length_Words: At most": (WORDS, "Length_Words"),
    "Length_Words: At least": (WORDS, "Length_Words"),
    "Length_Words: Range": (WORDS, "Length_Words"),
    "Words_At most": (WORDS, "Length_Words"),
    "Format_Word Count": (WORDS, "Length_Words"),
    "Content_Length": (C_OTHERS, "Length_Words"),
    "Format_Blurb": (F_OTHERS, "Length_Words"),
    "Format_Length": (F_OTHERS, "Length_Words"),
    "Length_Sentences": (SENTS, "Length_Sentences"),
    "Length_Sentences: At least": (SENTS, "Length_Sentences"),
    "Length_Sentences: At most": (SENTS, "Length_Sentences"),
    "Length_Sentences: Range": (SENTS, "Length_Sentences"),
    "Sentences_At most": (SENTS, "Length_Sentences"),
    "Sentences_At least": (SENTS, "Length_Sentences"),
    "Length_Paragraphs": (PARAS, "Length_Paragraphs"),
    "Length_Paragraphs: At most": (PARAS, "Length_Paragraphs"),
    "Length_Paragraphs: At least": (PARAS, "Length_Paragraphs"),
    "Length_Paragraphs: Range": (PARAS, "Length_Paragraphs"),
    "Paragraphs_At most": (PARAS, "Length_Paragraphs"),
}

# upstream checker class name -> evalkit checker id (used by the conformance vectors)
UPSTREAM_CLASS: dict[str, str] = {
    "Content_Keywords": KW,
    "Content_Punctuation": PUNCT,
    "Content_Others": C_OTHERS,
    "Format_Json": JSON,
    "Format_Markdown": MD,
    "Format_Table": TABLE,
    "Format_Others": F_OTHERS,
    "Language_English": EN,
    "Language_Chinese": ZH,
    "Length_Words": WORDS,
    "Length_Sentences": SENTS,
    "Length_Paragraphs": PARAS,
}
