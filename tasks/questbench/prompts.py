"""QuestBench prompt text and row → (messages, constraint) builders for the ``mc`` vanilla prompts.

Texts follow upstream ``evaluators/{simple_logic,planning,gsm}.py`` (commit 4a6a10d) verbatim,
stray indentation and grammar slips included; the blocksworld domain PDDL is read from the data
folder at load time (GPL, not vendored).
"""

from __future__ import annotations

from typing import Any

LOGIC_SYSTEM = """Suppose you know the following rules about Alice:
    {rules_nl}

You trying to discern whether a statement about Alice is true given some facts. You must decide whether you have enough information to determine whether the final statement is true. You may respond with one of the following-
If you do not have enough information yet, you may ask a question about an attribute of Alice, in the form of "Question: Is Alice [attribute]?". Ask the best question that, regardless of how it is answered, provides the most information about the final statement.
Once you have enough all information necessary to determine the truth value of the statement, you can terminate with "End questioning".
Generate one of "Question: Is Alice [attribute]?" or "End questioning" and nothing else."""

LOGIC_USER = """{known_facts}
{known_untrue_facts}
{invalid_qs}
Is Alice {goal}?"""

PLANNING_SYSTEM = """You will be given a planning problem in the domain defined by the following PDDL:

{domain_pddl}

The current objects are present in the problem:

{problem_objects}

You will be given a set of conditions true in your initial state and a set of goal conditions, and will need to construct a plan from your current state to the goal state.
Some details of your initial state may be missing. You must decide whether you have enough information to disambiguate a plan to the final state. If not, you must decide what information is necessary to construct a fully unambiguous plan from your initial state to the goal state.
You will be presented with a set of multiple-choice options for questions you may ask, and you must answer with one of the options.
Please generate the number of the option and nothing else."""

PLANNING_USER = """Known facts about current state:
{conditions}

Goal state:
{goals}

Possible questions:
{possible_questions_nl}"""

GSM_SYSTEM = """You are trying to solve a math problem. You must decide whether you have enough information to solve the math problem. Please respond with one of the following-
If you do not have enough information to solve the math problem, you may ask a question back to the user from a set of predefined "Possible questions". Otherwise, choose "No questions needed."
Generate the number of your choice in the form "Choice: number"
""" + " Generate one of the above outputs and nothing else."

GSM_USER = """Math problem: {request}

Possible questions:
{possible_qs}"""

NO_QUESTION = "No questions needed."


def _chat(system: str, user: str) -> tuple[dict[str, str], ...]:
    return ({"role": "system", "content": system}, {"role": "user", "content": user})


def logic_rules_text(rules: list[list[str]]) -> str:
    """Upstream's rule verbalisation: ``If Alice is P1 and P2, then Alice is C.``, sorted, one a line
    (premises are the ``not X`` words of a clause, the conclusion its single positive word)."""
    lines = []
    for rule in rules:
        premises = [word.split("not ")[-1] for word in rule if word.startswith("not ")]
        positive = [word for word in rule if not word.startswith("not ")]
        if len(positive) != 1:
            raise ValueError(f"rule {rule!r} has {len(positive)} positive words, expected 1")
        lines.append(f"If Alice is {' and '.join(premises)}, then Alice is {positive[0]}.")
    return "\n".join(sorted(lines))


def logic_messages(row: dict[str, Any]) -> tuple[dict[str, str], ...]:
    """System and user turn of a Logic-Q row (parsed columns) in upstream's vanilla ``mc`` form."""
    known = sorted(f"Alice is {a}." for a in row["known_facts"])
    untrue = sorted({f"Alice is not {a}." for a in row["known_untrue_facts"]})
    invalid = sorted({f"You may not ask if Alice is {a}." for a in row["cannot_ask_facts"]})
    user = LOGIC_USER.format(known_facts="\n".join(known), known_untrue_facts="\n".join(untrue),
                             invalid_qs="\n".join(invalid), goal=row["goal"])
    return _chat(LOGIC_SYSTEM.format(rules_nl=logic_rules_text(row["rules"])), user)


def planning_options(all_qs: list[str]) -> tuple[list[str], str]:
    """``sorted(all_qs)`` and the numbered question list shown to the model (upstream keys the
    lines by fact, so a repeated fact keeps only its last number)."""
    options = sorted(all_qs)
    lines = {fact: f"{i}. Is {fact} true?" if fact != NO_QUESTION else f"{i}. {fact}" for i, fact in enumerate(options)}
    return options, "\n".join(sorted(lines.values(), key=lambda line: int(line.split(". ")[0])))


def planning_messages(row: dict[str, Any], domain_pddl: str) -> tuple[dict[str, str], ...]:
    """System and user turn of a Planning-Q row in upstream's vanilla ``mc`` form; objects are the
    first ``num_vars`` letters as pyperplan names them, shown as a Python list."""
    objects = [chr(ord("a") + i) for i in range(int(row["num_vars"]))]
    _, listing = planning_options(row["all_qs"])
    user = PLANNING_USER.format(conditions="\n".join(sorted(set(row["conditions"].split("\n")))),
                                goals="\n".join(sorted(set(row["goals"].split("\n")))),
                                possible_questions_nl=listing)
    return _chat(PLANNING_SYSTEM.format(domain_pddl=domain_pddl, problem_objects=objects), user)


def gsm_options(row: dict[str, Any], verbal: bool) -> tuple[list[str], int]:
    """Option lines (``Possible Questions`` order, then ``No questions needed.``) and the gold
    index (the last position of ``GT Question``; -1 when absent, as upstream)."""
    lines, gold = [], -1
    for i, var in enumerate(row["possible"]):
        lines.append(f"{i}. What is {row['variables'][var]} ({var})?" if verbal else f"{i}. What is the value of {var}?")
        if var == row["gt"]:
            gold = i
    lines.append(f"{len(lines)}. {NO_QUESTION}")
    return lines, gold


def gsm_messages(row: dict[str, Any], verbal: bool) -> tuple[dict[str, str], ...]:
    """System and user turn of a GSM-Q (``verbal``) or GSME-Q row in upstream's ``mc`` form."""
    lines, _ = gsm_options(row, verbal)
    return _chat(GSM_SYSTEM, GSM_USER.format(request=row["problem"], possible_qs="\n".join(lines)))
