"""Drawing one generated sample: level, pattern, categories, constraints, prompt and witness.

Each sample ``i`` has its own random stream seeded by ``(seed, i)``, so a pack's samples do not
depend on one another and the same options give the same bytes. Every witness is graded with
the real checkers (strict mode: a constraint the checker cannot read counts as a failure); a
sample whose witness fails would be drawn again, and :attr:`Drawn.redraws` counts that (the
construction makes it zero).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from evalkit.generate.catalog import Atom, capacity, draw_content, draw_format, draw_language
from evalkit.generate.length import draw_length
from evalkit.generate.options import LEVELS, GenerateOptions
from evalkit.generate.prompts import example, incorporation, listing
from evalkit.generate.vocab import EN_TASKS, ZH_TASKS
from evalkit.generate.witness import Plan, render

MAX_REDRAWS = 20


@dataclass(frozen=True)
class Drawn:
    """One generated sample: the prompt, its constraints, the witness answer and its labels."""

    id: str
    prompt: str
    atoms: tuple[Atom, ...]
    witness: str
    meta: dict[str, Any]
    task: str
    redraws: int = 0


def _allocate(rng: random.Random, cats: list[str], k: int, lang: str) -> dict[str, int]:
    counts = dict.fromkeys(cats, 1)
    for _ in range(k - len(cats)):
        room = [c for c in cats if counts[c] < capacity(c, lang)]
        counts[rng.choice(room)] += 1
    return counts


def _categories(rng: random.Random, opts: GenerateOptions, level: int, k: int, lang: str) -> list[str]:
    cats = rng.sample(list(opts.categories), level)
    if sum(capacity(c, lang) for c in cats) < k and "Content" not in cats:
        cats[rng.randrange(level)] = "Content"  # only keywords can fill a dense prompt
    return sorted(cats, key=list(opts.categories).index)


def _shape(rng: random.Random, lang: str) -> Plan:
    plan = Plan(lang=lang)
    plan.paragraphs = rng.randint(1, 4)
    plan.sentences = rng.randint(1, 3)
    plan.words = (3, 6) if lang == "zh" else (4, 9)
    plan.rows, plan.cols, plan.depth = rng.randint(1, 4), rng.randint(2, 4), rng.randint(1, 3)
    return plan


def draw_atoms(rng: random.Random, plan: Plan, counts: dict[str, int], wseed: str) -> tuple[list[Atom], str]:
    """Draw the constraints of every category (Format, Language, Content, then Length from the
    rendered witness) and return them with the witness."""
    atoms: list[Atom] = []
    if counts.get("Format"):
        # sentence bounds (more than three Length constraints) need sentences: prose form only
        atoms += draw_format(rng, plan, counts["Format"], prose_only=counts.get("Length", 0) > 3)
    if counts.get("Language"):
        atoms.append(draw_language(rng, plan))
    if counts.get("Content"):
        atoms += draw_content(rng, plan, counts["Content"])
    witness = render(plan, wseed)
    if counts.get("Length"):
        atoms += draw_length(rng, witness, counts["Length"], plan.lang)
    return atoms, witness


def _tasks(opts: GenerateOptions, lang: str) -> tuple[str, ...]:
    return opts.tasks or (ZH_TASKS if lang == "zh" else EN_TASKS)


def _shot(rng: random.Random, opts: GenerateOptions, lang: str, cats: list[str], seed: str) -> tuple[str, list[Atom], str]:
    plan = _shape(rng, lang)
    atoms, witness = draw_atoms(rng, plan, {rng.choice(cats): 1}, seed)
    return rng.choice(_tasks(opts, lang)), atoms, witness


def _attempt(opts: GenerateOptions, index: int, attempt: int) -> Drawn:
    rng = random.Random(f"evalkit-generate:{opts.seed}:{index}:{attempt}")
    combos = [(lv, p, lang) for lang in opts.languages for lv in opts.levels for p in opts.patterns]
    level_name, pattern, lang = combos[index % len(combos)]
    level = LEVELS.index(level_name) + 1
    lo, hi = opts.constraints or (level, level + 1)
    k = rng.randint(max(lo, level), max(hi, level))
    cats = _categories(rng, opts, level, k, lang)
    counts = _allocate(rng, cats, k, lang)
    plan = _shape(rng, lang)
    atoms, witness = draw_atoms(rng, plan, counts, f"{opts.seed}:{index}:{attempt}:witness")
    order = rng.sample(atoms, len(atoms))
    task = rng.choice(_tasks(opts, lang))
    if pattern == "Listing":
        prompt = listing(task, order, lang)
    elif pattern == "Incorporation":
        prompt = incorporation(task, order, lang, rng)
    else:
        shots = [_shot(rng, opts, lang, cats, f"{opts.seed}:{index}:{attempt}:shot{j}") for j in range(3)]
        prompt = example(task, order, lang, rng, shots)
    meta = {"level": level_name, "pattern": pattern, "categories": cats, "n_constraints": len(order),
            "language": lang}
    return Drawn(f"gen-{opts.seed}-{index:05d}", prompt, tuple(order), witness, meta, task, attempt)


def witness_failures(atoms: tuple[Atom, ...] | list[Atom], witness: str) -> list[str]:
    """Constraints the witness does not pass, graded by the real checkers in strict mode."""
    from evalkit.checking import CheckContext, build_checker

    ctx = CheckContext(mode="strict")
    bad = []
    for atom in atoms:
        result = build_checker(atom.checker, atom.params).check(witness, ctx)
        if result.passed is not True:
            bad.append(f"{atom.checker} {atom.params}: {result.status} {result.reason}")
    return bad


def draw_sample(opts: GenerateOptions, index: int) -> Drawn:
    """Sample ``index`` of the pack ``opts`` describes, its witness checked by the real checkers."""
    for attempt in range(MAX_REDRAWS):
        drawn = _attempt(opts, index, attempt)
        if not witness_failures(drawn.atoms, drawn.witness):
            return drawn
    raise RuntimeError(f"sample {index}: no passing witness after {MAX_REDRAWS} draws")
