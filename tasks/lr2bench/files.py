"""LR²Bench data files: tasks, levels, and the sha256 of each upstream file at the pinned commit.

Files are read as ``<data dir>/lr2bench/<task dir>/<level>/<file>`` (the upstream ``data/``
layout) or downloaded from GitHub ``ZNLP/LR2Bench`` at commit ``c426beb``. The data carry no
license: they are never shipped with evalkit.
"""

from __future__ import annotations

from evalkit.datafiles import DataFile

COMMIT = "c426beb315492f478a4cffda71a4f7c030f4c287"
BASE_URL = f"https://raw.githubusercontent.com/ZNLP/LR2Bench/{COMMIT}/data/"

# task -> (folder, levels) in upstream order
TASK_DIRS: dict[str, tuple[str, tuple[str, ...]]] = {
    "crossword": ("0-crossword", ("5_5", "10_10", "15_15")),
    "acrostic": ("1-acrostic", ("easy", "hard")),
    "logic": ("2-logic", ("4_4", "4_5", "4_6", "4_7")),
    "cryptogram": ("3-cryptogram", ("easy", "hard")),
    "sudoku": ("4-sudoku", ("4_4_easy", "4_4_hard", "9_9_easy", "9_9_hard")),
    "drop": ("5-drop", ("easy", "hard")),
}

_DATA_SHA: dict[str, str] = {
    "0-crossword/5_5": "bed9039c1c54bd74a7144fc91c9d8acb3637dae571fc530e6939571c8ded25b5",
    "0-crossword/10_10": "f1cb676d6cf16187d260d7067d198ab61097e6ca2ec88b96bba5565a45af26e2",
    "0-crossword/15_15": "7ff687159529293b070bac3458e47a03d07c2d87a7fc7070b3001ecc3f5fa5ac",
    "1-acrostic/easy": "22ef29cad716f1dbedbfd530122f3b19ed2955db3c5d48f6922fa56d13706956",
    "1-acrostic/hard": "fda3a6cc99fe666502e2b2601ed8f9368fa52bfb47b953a737f866e0e3a28552",
    "2-logic/4_4": "27de1f92d7f4cdd3a6f1cc84c86412b44738b5b02deaca04082f162f245981d1",
    "2-logic/4_5": "ef6ac9f16889a63d893721c5a76249ce98798f2887fe74eadcf59591bfb8020d",
    "2-logic/4_6": "69aebc59fb5ed9ac9fb92bfcd6e2bb8b685d6c2c1980cfdbc9afd86aa4cfaaaf",
    "2-logic/4_7": "3083f038fbdc7bdb6ef713ab31f69fa8bf8548358a846fb8eacdebb060643dfe",
    "3-cryptogram/easy": "130531611f1638db736961d8b030c6b7a6487dc8bd87dc65c0544aa4fb9189ac",
    "3-cryptogram/hard": "be053caf12342c3fe78342b62ebe1910c09bd5998c96a53d6a0e23d698faa515",
    "4-sudoku/4_4_easy": "0ab63b80253e2351855f1606c0f8a0b571b8164dc6e40c0372182c08bd539b87",
    "4-sudoku/4_4_hard": "b71347f3616749b8dba213a303fea88a51bc975866a0fdb9de7dfcf6557a13b6",
    "4-sudoku/9_9_easy": "3db76b590bbf0d69f8399c3c6eb4700bb76731714587b9ec770ab6b24db59ff3",
    "4-sudoku/9_9_hard": "8648b6b7a88ee72746ab41440e9551a92db4b6581a4c5b30f15059774d438d7d",
    "5-drop/easy": "bc27372c8ca4160593aa09f95bc3ede1dfc5f01dba3c7e043cc7eecfac4d6d47",
    "5-drop/hard": "6ab68d05d5d926c7f7988837155977e3e9f3ebaf98d1572bbbb8051d16537b95",
}
# prompt.json / prompt_api.json are identical across the levels of a task
_PROMPT_SHA: dict[str, tuple[str, str]] = {
    "0-crossword": ("f9fabae18cbb8c6a28ce748af36cd66fb221e159ee191bc8829e7ace5100c253",
                    "1b29ac9822d85a8146971194cbe36e9fb154a5276d682c28bda5cadc9554eacf"),
    "1-acrostic": ("d20f1c17371d99f9b30f56895c65a60186495ecf6f594b37cfaaf64bdabdb593",
                   "11d459b1208a74ec36069273b67c8890f7c2073c140d1037ea80786c3d5eb385"),
    "2-logic": ("0a8fbb274139710d8132cea57ada9efe3984909d9661a4d9926bb0aadc47ec57",
                "b3b5fe6e57b9db2cc179dcd4f7220700e8e4cec1d015c0b6ca37c16b405d882f"),
    "3-cryptogram": ("58a65efd830309a5edcfd4bf967e05c17dc48991e593d34131af70e76d5326f1",
                     "ef3958ff5186db57dc59ed6e622426bbfdac368b138bd5bd448f7225df81791e"),
    "4-sudoku": ("34461cb1c96987e67873fa9c3bccf6b24ac670fb788fc880a6bb58f2dba2857a",
                 "9c556123aba8775c61b2c7b3f9f05eeb0ef984e123cdc15ab9e021b62ce0fe4c"),
    "5-drop": ("869de2d1d70a20c3b02168c4189938fb9f5a9a33e4baf4435f6978bc53f32ca5",
               "5ddee3cd8a7a09f076d30b3dcd68a5b0e1b0e5f9fe3fc5bac51ab0972b11823f"),
}
ANSWER_FILE = DataFile("answer.json", "24710eadd2753a809073e108cb4a02506447c69cd32b58b0e91c4d0305e4e2bf",
                       BASE_URL + "answer.json")


def level_file(task: str, level: str, name: str) -> DataFile:
    """The pinned DataFile ``<task dir>/<level>/<name>`` (``data.jsonl``, ``prompt.json`` or ``prompt_api.json``)."""
    folder = TASK_DIRS[task][0]
    path = f"{folder}/{level}/{name}"
    if name == "data.jsonl":
        sha = _DATA_SHA[f"{folder}/{level}"]
    else:
        sha = _PROMPT_SHA[folder][0 if name == "prompt.json" else 1]
    return DataFile(path, sha, BASE_URL + path)


def all_files() -> tuple[DataFile, ...]:
    """Every data file of the pack: 17 levels × (data, prompt, API prompt), then ``answer.json``."""
    files = [level_file(task, level, name)
             for task, (_, levels) in TASK_DIRS.items() for level in levels
             for name in ("data.jsonl", "prompt.json", "prompt_api.json")]
    return (*files, ANSWER_FILE)
