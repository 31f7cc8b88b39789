"""IFEval checkers registered again under another family's name (``<family>.<instruction id>``).

Families that reuse an IFEval instruction unchanged (IFBench's classic ids, Multi-IF's ids that
count as IFEval does) register a subclass of the IFEval checker, so the verdicts are IFEval's
and only the checker name differs.
"""

from __future__ import annotations

from evalkit.checking import checker_class, register


def register_ifeval_alias(family: str, instruction_id: str, module: str, *mixins: type) -> type:
    """Register ``<family>.<instruction id>`` as a subclass of ``ifeval.<instruction id>`` (with
    ``mixins`` first in its bases), named ``<Family><IFEval class name>`` in ``module``; returns it."""
    base = checker_class(f"ifeval.{instruction_id}")
    if base is None:  # pragma: no cover - the IFEval family defines every id
        raise ImportError(f"IFEval checker {instruction_id!r} is missing")
    cls = type(family.capitalize() + base.__name__, (*mixins, base), {"__doc__": base.__doc__, "__module__": module})
    register(f"{family}.{instruction_id}")(cls)
    return cls
