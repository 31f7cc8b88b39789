"""``--rewrite BACKEND:MODEL``: a model paraphrases each generated prompt.

The constraints' params never change; a paraphrase is kept only when every anchor of every
constraint (the keywords, marks and numbers it states) still appears in it verbatim and the
witness still passes every constraint. Otherwise the sample keeps its original prompt.
``meta.rewritten`` records which prompts are paraphrases.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from evalkit.generate.build import Drawn, witness_failures
from evalkit.types import Generation, GenerationConfig, GenerationRequest

INSTRUCTION = {
    "en": ("Rewrite the following request so that it reads naturally, as a person would write it. Keep "
           "every requirement, every quoted word and every number exactly as written. Reply with the "
           "rewritten request only.\n\n"),
    "zh": "请把下面的请求改写得更自然、更像人写的。保留每一项要求、每个引号中的词和每个数字，原样不变。只回复改写后的请求。\n\n",
}


def _kept(drawn: Drawn, text: str) -> bool:
    if not text.strip():
        return False
    if any(anchor not in text for atom in drawn.atoms for anchor in atom.anchors):
        return False
    return not witness_failures(drawn.atoms, drawn.witness)


def paraphrase(drawn: list[Drawn], spec: str, model_args: dict[str, Any]) -> tuple[list[Drawn], int, int]:
    """Ask the ``spec`` model to paraphrase each prompt; returns the samples (paraphrased where
    the paraphrase kept every constraint), the number kept and the number dropped."""
    from evalkit.backends import make_backend

    backend = make_backend(spec, model_args)
    backend.preflight()
    requests = [GenerationRequest("generate", d.id, 0, ({"role": "user", "content":
                                                        INSTRUCTION[str(d.meta["language"])] + d.prompt},))
                for d in drawn]
    answers: dict[str, Generation] = {}
    try:
        backend.generate(requests, GenerationConfig(max_tokens=2048, temperature=0.0),
                         lambda request, result: answers.__setitem__(request.sample_id, result))
    finally:
        backend.close()
    out: list[Drawn] = []
    kept = 0
    for d in drawn:
        result = answers.get(d.id)
        text = result.text.strip() if result is not None and result.error is None else ""
        ok = _kept(d, text)
        kept += ok
        out.append(replace(d, prompt=text if ok else d.prompt, meta={**d.meta, "rewritten": ok}))
    return out, kept, len(drawn) - kept
