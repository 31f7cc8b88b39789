"""IFEval checkers: the 25 instruction types of google-research ``instruction_following_eval``.

One module per instruction group (the id prefix before ``:``). Each checker is registered as
``ifeval.<instruction id>`` (e.g. ``ifeval.keywords:existence``), takes the upstream kwargs as
parameters, and reports both the strict and the loose verdict (see :mod:`._base`).
"""
