"""MulDimIF checkers: the 12 upstream checker classes, each parsing its constraint text.

Each module defines one pure function ``check_<name>(constraint, response) -> Verdict`` that
reproduces the upstream class's pass rule, and registers a checker ``muldimif.<family>.<name>``
whose single parameter is the constraint text.
"""
