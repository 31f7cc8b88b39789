"""IFBench checkers: the 83 verifiers of allenai/IFBench (58 new ones and the 25 IFEval ones).

Each is registered as ``ifbench.<instruction id>`` (e.g. ``ifbench.count:numbers``), takes the
upstream kwargs (nulls dropped) as parameters, and reports strict and loose verdicts with
IFEval's rules (:mod:`evalkit.verifiers.ifeval._base`). One module per id prefix; the classic
ids reuse evalkit's IFEval checkers (:mod:`.classic`).
"""
