"""Skills written the way people type them: short names, case, versions, typos, lists, French.

Why: the cohort used to draw its skills from the taxonomy itself ("Microsoft Excel",
"Structured query language SQL"), so the pipeline never saw a skill string that needed
coding. A share of rows is rewritten here into the forms real profiles hold; the
rewrite uses its own random stream (spawned from the cohort's), so the rest of the
cohort draws exactly what it drew before.
"""

from __future__ import annotations

import re

import numpy as np

# how people write common O*NET names (a few per entry; the coder must reach the entry)
SHORT_FORMS = {
    "Microsoft Excel": ["Excel", "MS Excel", "Excel (avancé)", "Exel", "Microsoft Excel 2016"],
    "Microsoft PowerPoint": ["PowerPoint", "Power Point", "Powerpoint 365"],
    "Microsoft Word": ["MS Word", "Word 2019"],
    "Microsoft Office software": ["Microsoft Office", "MS Office", "Office 365"],
    "Structured query language SQL": ["SQL", "Sql", "SQL queries"],
    "Python": ["python", "Python 3", "Pyhton", "Python (Programming Language)"],
    "JavaScript": ["Javascript", "JS", "Javascript (ES6)"],
    "Oracle Java": ["Java", "Java 8"],
    "TensorFlow": ["Tensorflow 2.0", "tensorflow"],
    "Amazon Web Services AWS software": ["AWS", "Amazon Web Services (AWS)"],
    "Microsoft Azure software": ["Azure", "Microsoft Azure"],
    "Hypertext markup language HTML": ["HTML", "HTML5"],
    "Cascading style sheets CSS": ["CSS", "CSS3"],
    "Microsoft Power BI": ["Power BI", "PowerBI"],
    "Atlassian JIRA": ["Jira", "JIRA Software"],
    "Node.js": ["NodeJS", "Node.js"],
    "React": ["React.js", "ReactJS"],
    "Git": ["git", "Git/GitHub"],
    "C++": ["C/C++", "c++"],
    "Microsoft .NET Framework": [".NET", ".NET Core"],
    "Kubernetes": ["Kubernetes (K8s)", "k8s"],
}
# soft skills as typed, English and French noun forms
TYPED_SOFT = {
    "en": [
        "Time Management",
        "Negotiation",
        "Change Management",
        "Critical Thinking",
        "Attention to Detail",
        "Stakeholder Management",
        "Decision Making",
        "Leadersip",
    ],
    "fr": [
        "Gestion du temps",
        "Négociation",
        "Gestion du changement",
        "Pensée critique",
        "Prise de décision",
        "Gestion des parties prenantes",
        "Souci du détail",
    ],
}
_VENDOR = re.compile(r"^(?:Microsoft|Adobe|Apache|Oracle|Google|Amazon|IBM|Atlassian|SAP) ")


def _variant(name: str, r: float, pick: float) -> str:
    forms = SHORT_FORMS.get(name)
    if forms:
        return forms[int(pick * len(forms)) % len(forms)]
    short = _VENDOR.sub("", name)
    if r < 0.35:
        return short.lower()
    if r < 0.6 and len(short) >= 7:  # an adjacent swap inside the word: one typo
        i = 2 + int(pick * (len(short) - 4))
        return short[:i] + short[i + 1] + short[i] + short[i + 2 :]
    return short


def typed(
    rng: np.random.Generator, skills: list[str], french: np.ndarray, p_typed: float, p_soft: float
) -> list[str]:
    """Rewrite a share ``p_typed`` of skill strings into typed forms, and replace a share
    ``p_soft`` with typed soft skills in the person's language (``french`` per row)."""
    n = len(skills)
    r = rng.random(n)
    pick = rng.random(n)
    soft = rng.random(n) < p_soft
    out = list(skills)
    for i in np.flatnonzero(r < p_typed).tolist():
        out[i] = _variant(skills[i], r[i] / p_typed, pick[i])
    for i in np.flatnonzero(soft).tolist():
        pool = TYPED_SOFT["fr" if french[i] else "en"]
        out[i] = pool[int(pick[i] * len(pool)) % len(pool)]
    return out


__all__ = ["SHORT_FORMS", "TYPED_SOFT", "typed"]
