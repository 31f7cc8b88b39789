"""CoDI-Eval checkers: length, keyword (exact), sentiment/emotion, topic, toxicity (classifiers).

``text`` holds upstream's text handling and lemmatizers, ``classifiers`` the pluggable classifier
interface (``hf``, ``judge``, ``perspective`` backends in their own modules), ``checkers`` the
registered checkers ``codi.length``, ``codi.keyword``, ``codi.sentiment``, ``codi.topic`` and
``codi.toxicity``.
"""
