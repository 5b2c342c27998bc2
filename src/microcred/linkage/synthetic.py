"""Synthetic linkage pairs with known truth and realistic errors.

Why: match quality (precision, recall) must be measured on pairs whose truth is
known, with the errors real files have: typos, nicknames, accents dropped,
moved provinces, missing birth years, changed emails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from microcred.linkage.names import nicknames

GIVEN = [
    "Robert",
    "William",
    "James",
    "Michael",
    "David",
    "Christopher",
    "Thomas",
    "Daniel",
    "Matthew",
    "Nicholas",
    "Alexander",
    "Andrew",
    "Anthony",
    "Joseph",
    "Benjamin",
    "Samuel",
    "Steven",
    "Jennifer",
    "Elizabeth",
    "Catherine",
    "Margaret",
    "Susan",
    "Patricia",
    "Rebecca",
    "Victoria",
    "Jessica",
    "Natalie",
    "Edward",
    "Gregory",
    "Jonathan",
    "John",
    "Kenneth",
    "Richard",
    "Timothy",
    "Emmanuel",
    "Gabriel",
    "Maxime",
    "Valerie",
    "Isabelle",
    "Sebastien",
    "Olivier",
    "Mathieu",
    "Julie",
    "Genevieve",
    "Marie-Eve",
    "Chantal",
    "Sylvie",
    "Nathalie",
    "Priya",
    "Arjun",
    "Wei",
    "Mei",
    "Hiroshi",
    "Fatima",
    "Mohammed",
    "Aisha",
    "Omar",
    "Li",
    "Chen",
    "Amir",
    "Sofia",
    "Lucas",
    "Noah",
    "Emma",
    "Olivia",
    "Ava",
    "Chloe",
    "Zoe",
    "Liam",
    "Ethan",
    "Jacob",
    "Leah",
    "Sarah",
    "Hannah",
    "Rachel",
    "Marc",
    "Luc",
    "Pierre",
    "Jean-Philippe",
    "Francis",
    "Louis",
]
SURNAMES = [
    "Tremblay",
    "Gagnon",
    "Roy",
    "Cote",
    "Bouchard",
    "Gauthier",
    "Morin",
    "Lavoie",
    "Fortin",
    "Gagne",
    "Ouellet",
    "Pelletier",
    "Belanger",
    "Levesque",
    "Bergeron",
    "Leblanc",
    "Paquette",
    "Girard",
    "Simard",
    "Boucher",
    "Caron",
    "Beaulieu",
    "Cloutier",
    "Dube",
    "Poirier",
    "Smith",
    "Brown",
    "Wilson",
    "MacDonald",
    "Taylor",
    "Campbell",
    "Anderson",
    "Jones",
    "Thompson",
    "Martin",
    "Clark",
    "White",
    "Wright",
    "Walker",
    "Robinson",
    "Scott",
    "Young",
    "Mitchell",
    "Stewart",
    "Murray",
    "Patel",
    "Singh",
    "Sharma",
    "Wong",
    "Chen",
    "Li",
    "Wang",
    "Zhang",
    "Kim",
    "Nguyen",
    "Tran",
    "Khan",
    "Ahmed",
    "Ali",
    "Hussain",
    "Rossi",
    "Silva",
    "Santos",
    "Kowalski",
    "Nowak",
    "Muller",
    "Schmidt",
    "Johansson",
    "O'Brien",
    "McLeod",
    "Fraser",
    "Grant",
    "Hughes",
    "Bennett",
    "Hall",
    "Allen",
    "King",
    "Baker",
    "Reid",
    "Ross",
    "Chan",
    "Leung",
    "Lam",
    "Ho",
]
PROVINCES = ("ON", "QC", "BC", "AB", "MB", "SK", "NS", "NB", "NL", "PE")
PROVINCE_P = (0.41, 0.22, 0.15, 0.1, 0.035, 0.03, 0.025, 0.02, 0.01, 0.0)


@dataclass
class LinkagePairs:
    left: list[dict]
    right: list[dict]
    truth: set[tuple[int, int]]  # (left index, right index) of the same person


def _typo(s: str, rng: np.random.Generator) -> str:
    if len(s) < 3:
        return s
    i = int(rng.integers(1, len(s) - 1))
    op = rng.integers(0, 3)
    if op == 0:  # transpose
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    if op == 1:  # drop
        return s[:i] + s[i + 1 :]
    return s[:i] + "aeiourtnsl"[int(rng.integers(0, 10))] + s[i + 1 :]  # substitute


def make_pairs(
    n_left: int = 2000, overlap: float = 0.5, seed: int = 7, error_rate: float = 0.35
) -> LinkagePairs:
    """Left = profile holder's people; right = an institution's completions, ``overlap`` of whom are on the left."""
    rng = np.random.default_rng(seed)
    reverse: dict[str, list[str]] = {}
    for nick, canon in nicknames().items():
        reverse.setdefault(canon, []).append(nick)
    left = []
    for i in range(n_left):
        g = GIVEN[int(rng.integers(len(GIVEN)))]
        s = SURNAMES[int(rng.integers(len(SURNAMES)))]
        left.append(
            {
                "id": f"L{i:06d}",
                "given_name": g,
                "surname": s,
                "birth_year": int(rng.integers(1960, 2003)) if rng.random() < 0.95 else None,
                "province": PROVINCES[int(rng.choice(len(PROVINCES), p=PROVINCE_P))],
                "email": f"{g[0].lower()}{s.lower()}{int(rng.integers(1, 99))}@example.com"
                if rng.random() < 0.6
                else None,
            }
        )
    shared = rng.choice(n_left, size=int(n_left * overlap), replace=False)
    right, truth = [], set()
    for i in sorted(int(x) for x in shared):
        r = dict(left[i])
        if rng.random() < error_rate:  # one or two realistic errors
            for _ in range(int(rng.integers(1, 3))):
                kind = rng.integers(0, 5)
                if kind == 0:
                    r["surname"] = _typo(cast(str, r["surname"]), rng)
                elif kind == 1:
                    given = cast(str, r["given_name"])  # synthetic records always have names
                    alts = reverse.get(given.lower())
                    r["given_name"] = (
                        alts[int(rng.integers(len(alts)))].title() if alts else _typo(given, rng)
                    )
                elif kind == 2:
                    r["province"] = PROVINCES[int(rng.integers(len(PROVINCES)))]  # moved
                elif kind == 3:
                    r["birth_year"] = None
                else:
                    r["email"] = None
        right.append(r)
    n_new = len(right)
    for k in range(n_new):  # people only the institution has
        g = GIVEN[int(rng.integers(len(GIVEN)))]
        s = SURNAMES[int(rng.integers(len(SURNAMES)))]
        right.append(
            {
                "id": f"N{k:06d}",
                "given_name": g,
                "surname": s,
                "birth_year": int(rng.integers(1960, 2003)),
                "province": PROVINCES[int(rng.integers(len(PROVINCES)))],
                "email": None,
            }
        )
    order = rng.permutation(len(right))
    right = [right[int(j)] for j in order]
    pos = {int(j): k for k, j in enumerate(order)}
    left_index = {r["id"]: i for i, r in enumerate(left)}
    for k_orig in range(n_new):
        truth.add((left_index[right[pos[k_orig]]["id"]], pos[k_orig]))
    return LinkagePairs(left, right, truth)


def quality(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> dict[str, float]:
    tp = len(found & truth)
    return {
        "precision": tp / len(found) if found else 1.0,
        "recall": tp / len(truth) if truth else 1.0,
        "matches": len(found),
        "true_pairs": len(truth),
    }
