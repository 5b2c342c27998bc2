"""Location strings → (country ISO 3166-1 alpha-2, Canadian province/territory code).

Profiles write places as "Toronto, Ontario, Canada", "Greater Montreal Metropolitan
Area", "Région de Québec", "Ottawa ON" or a survey's "United States of America".
The headline question is about Canada by province, so we resolve what can be
resolved from the words given and return ``None`` for the rest (no geocoding
service, no guessing from a bare ambiguous city such as "London").

Countries, Canadian provinces and territories, US states and other countries'
subdivisions come from ``pycountry`` (ISO 3166, with its English and French names).
Only what ISO does not carry is written here: the survey's and LinkedIn's own
spellings, postal abbreviations ("C.-B.", "PEI"), and city and metro names, which
no ISO standard lists.
"""

from __future__ import annotations

import gettext
import re
from functools import lru_cache
from typing import NamedTuple

import pycountry

from microcred.text import fold

# Spellings pycountry does not carry (ISO2|alias|...): the Stack Overflow survey's own names,
# endonyms, short forms and the parts of the United Kingdom. Everything else comes from
# pycountry (English short, official and common names, and its French translations).
_COUNTRY_ALIASES = """
BA|Bosnia
BN|Brunei
BR|Brasil
BS|The Bahamas
CD|Democratic Republic of the Congo|DR Congo|RDC
CG|Congo, Republic of the...|Republic of the Congo
CH|Schweiz
CI|Ivory Coast
CV|Cape Verde
CZ|République tchèque
DE|Deutschland
ES|España
FM|Micronesia, Federated States of...|Micronesia
GB|UK|U.K.|Great Britain|England|Scotland|Wales|Northern Ireland
HK|Hong Kong (S.A.R.)|Hong Kong SAR
IT|Italia
KR|Republic of Korea|South Korea|Korea|Corée du Sud
LY|Libyan Arab Jamahiriya
MK|Republic of North Macedonia|The former Yugoslav Republic of Macedonia|Macedonia
MM|Burma
NL|The Netherlands|Nederland
PS|Palestine|State of Palestine
RU|Russia|Russie
SY|Syrie
SZ|Swaziland
TR|Turkey|Türkiye|Turquie
TZ|Tanzanie
AE|UAE|U.A.E.
US|USA|U.S.A.|U.S.|US|États-Unis|Etats-Unis|États-Unis d'Amérique
XK|Kosovo
"""

# Abbreviations and variants of province names beyond pycountry's English and French ones.
_PROVINCE_ALIASES = """
AB|Alta
BC|B.C.|C.-B.|C.B.
MB|Man
NL|Newfoundland|Terre-Neuve|Labrador|Nfld|Newfoundland & Labrador|T.-N.-L.
NS|N.-É.
NT|NWT|T.N.-O.|Territoires du Nord-Ouest
ON|Ont
PE|PEI|P.E.I.|Î.-P.-É.|Île-du-Prince-Édouard
QC|Province de Québec|Que|PQ
SK|Sask
YT|Yukon Territory
"""

# Canadian cities and metro areas as LinkedIn names them (after "Greater"/"Area"/"Région de"
# are stripped).
_CITY_TABLE = """
AB|Calgary|Edmonton|Red Deer|Lethbridge|St. Albert|Medicine Hat|Airdrie|Fort McMurray|Grande Prairie
BC|Vancouver|Victoria|Burnaby|Surrey|Kelowna|Abbotsford|Coquitlam|Nanaimo|Kamloops|North Vancouver|New Westminster|Langley|Delta|Prince George
MB|Winnipeg|Brandon
NB|Moncton|Fredericton|Saint John|Dieppe
NL|St. John's|St Johns|Corner Brook
NS|Halifax|Dartmouth|Sydney NS|Truro
NT|Yellowknife
NU|Iqaluit
ON|Toronto|Ottawa|Mississauga|Brampton|Hamilton|London ON|Markham|Vaughan|Kitchener|Waterloo|Kitchener-Waterloo|Cambridge ON|Guelph|Windsor|Oakville|Burlington|Oshawa|Barrie|Sudbury|Greater Sudbury|Kingston|Thunder Bay|Richmond Hill|Pickering|Ajax|Whitby|Milton|St. Catharines|Niagara|Peterborough|Sault Ste. Marie|North York|Scarborough|Etobicoke|Kanata|Nepean|Toronto Area|Golden Horseshoe
PE|Charlottetown
QC|Montreal|Montréal|Quebec City|Ville de Québec|Laval|Gatineau|Longueuil|Sherbrooke|Trois-Rivières|Saguenay|Lévis|Terrebonne|Brossard|Boucherville|Saint-Laurent|Rimouski|Drummondville|Granby|Saint-Jérôme|Blainville|Repentigny|Mirabel|Saint-Jean-sur-Richelieu|Pointe-Claire|Dorval|Outaouais|Montérégie|Laurentides|Lanaudière|Estrie|Capitale-Nationale|Ottawa-Gatineau
SK|Saskatoon|Regina|Prince Albert|Moose Jaw
YT|Whitehorse
"""

# US state variants beyond pycountry's names ("Californie", "Washington DC", "NYC").
_US_STATE_ALIASES = """
CA|Californie
DC|Washington DC|Washington D.C.
FL|Floride
LA|Louisiane
NY|New York State|New York City|NYC
PA|Pennsylvanie
VA|Virginie
WA|Washington State
"""

# Large non-Canadian metros that LinkedIn writes without a country ("San Francisco Bay Area").
_FOREIGN_CITY_TABLE = """
US|San Francisco Bay|San Francisco|Seattle|Boston|Chicago|Los Angeles|Austin|Dallas-Fort Worth|Atlanta|Denver|Miami|Silicon Valley|New York City Metropolitan|Washington DC-Baltimore|Greater Seattle|Houston|Philadelphia|San Diego|Portland
GB|Greater London|London UK|Manchester|Edinburgh
FR|Paris|Île-de-France|Lyon
IN|Bengaluru|Bangalore|Mumbai|Hyderabad|Pune|Chennai|Delhi|New Delhi
DE|Berlin|Munich|München
"""


class Location(NamedTuple):
    country: str | None  # ISO 3166-1 alpha-2
    province: str | None  # Canadian province/territory code, only when country is CA


UNKNOWN = Location(None, None)

# Words around a place name that do not change which place it is.
_NOISE = re.compile(
    r"^(greater|grand|region metropolitaine de|region metropolitaine du|region de la|region de|"
    r"region du|region d'|region of|communaute metropolitaine de|ville de|city of|"
    r"the)\s+|\s+(metropolitan area|metropolitan region|metro area|census metropolitan area|"
    r"area|region|metropolitan|metro|and surrounding area|city area)$"
)


def _fold(text: str) -> str:
    """Lower case, accents stripped, dots and hyphens made uniform: the lookup key."""
    text = text.replace("\u2019", "'").replace("\u00a0", " ")
    folded = fold(text)
    folded = folded.replace(".", "").replace("-", " ")
    return " ".join(folded.split()).strip(" ;:/")


def _strip_noise(key: str) -> str:
    previous = None
    while previous != key:
        previous, key = key, _NOISE.sub("", key).strip()
    return key


def _load(table: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in table.strip().splitlines():
        code, *names = line.split("|")
        for name in names:
            out.setdefault(_fold(name), code)
    return out


def _translator(domain: str, language: str):
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


def _countries() -> dict[str, str]:
    """Folded country name → ISO2: pycountry's names (EN, FR), then our aliases."""
    fr = _translator("iso3166-1", "fr")
    out: dict[str, str] = {}
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        names = [c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)]
        for name in [*names, fr.gettext(c.name)]:
            if name:
                out.setdefault(_fold(name), c.alpha_2)
    for key, code in _load(_COUNTRY_ALIASES).items():
        out.setdefault(key, code)
    return out


def _subdivisions(country: str, aliases: str) -> dict[str, str]:
    """Folded names and codes of a country's top-level subdivisions → their short code."""
    fr = _translator("iso3166-2", "fr")
    out: dict[str, str] = {}
    subs = pycountry.subdivisions.get(country_code=country) or []
    for s in sorted(subs, key=lambda s: s.code):
        if s.parent_code is not None:
            continue
        short = s.code.split("-", 1)[1]
        for name in (s.name, fr.gettext(s.name), short):
            out.setdefault(_fold(name), short)
    for key, code in _load(aliases).items():
        out.setdefault(key, code)
    return out


def _foreign_regions(skip: set[str]) -> dict[str, str]:
    """Folded subdivision name → country, for names that belong to exactly one country.

    Read only after a city ("Lyon, Auvergne-Rhône-Alpes"), never alone: a bare
    "Victoria" or "Georgia" is more likely something else.
    """
    seen: dict[str, set[str]] = {}
    for s in pycountry.subdivisions:
        if s.country_code in ("CA", "US"):
            continue
        key = _fold(s.name)
        if len(key) > 3 and key not in skip:
            seen.setdefault(key, set()).add(s.country_code)
    return {k: next(iter(v)) for k, v in sorted(seen.items()) if len(v) == 1}


COUNTRIES = _countries()
PROVINCES = _subdivisions("CA", _PROVINCE_ALIASES)
CANADIAN_CITIES = _load(_CITY_TABLE)
US_STATES = _subdivisions("US", _US_STATE_ALIASES)
FOREIGN_CITIES = _load(_FOREIGN_CITY_TABLE)
ISO2 = frozenset(COUNTRIES.values())
PROVINCE_CODES = frozenset(PROVINCES.values())
FOREIGN_REGIONS = _foreign_regions(set(COUNTRIES) | set(PROVINCES) | set(CANADIAN_CITIES))


@lru_cache(maxsize=1 << 16)
def country_code(name: str | None) -> str | None:
    """ISO2 for a country name ("Canada", "United States of America", "Allemagne") or code."""
    if not name:
        return None
    key = _fold(str(name))
    if key in COUNTRIES:
        return COUNTRIES[key]
    if len(key) == 2 and key.upper() in ISO2:
        return key.upper()
    return None


def _lookup(token: str, many_tokens: bool, first: bool) -> tuple[str, str | None] | None:
    """(country, province) a single comma-separated token names, or None."""
    key = _strip_noise(token)
    if not key:
        return None
    if key in PROVINCES:
        return "CA", PROVINCES[key]
    if key in CANADIAN_CITIES:
        return "CA", CANADIAN_CITIES[key]
    # "ca" after a city is California; "Georgia" after a city is the state.
    if many_tokens and key in US_STATES:
        return "US", None
    if key in COUNTRIES:
        return COUNTRIES[key], None
    if len(key) > 2 and key in US_STATES:
        return "US", None
    if key in FOREIGN_CITIES:
        return FOREIGN_CITIES[key], None
    if many_tokens and not first and key in FOREIGN_REGIONS:
        return FOREIGN_REGIONS[key], None
    return _city_then_province(key)


def _city_then_province(key: str) -> tuple[str, str | None] | None:
    """ "Ottawa ON", "Winnipeg MB": a place followed by a province, with no comma between."""
    head, _, last = key.rpartition(" ")
    if head and last in PROVINCES:
        return "CA", PROVINCES[last]
    return None


@lru_cache(maxsize=1 << 17)
def normalise_location(text: str | None) -> Location:
    """(country, province) for a free location string; ``Location(None, None)`` when unknown.

    Tokens are read right to left ("Montréal, Québec, Canada"): the country comes from
    the most general token, the province from a province name/code or a known city.
    A province is only kept when the country is Canada (or unstated).
    """
    if not text:
        return UNKNOWN
    tokens = [t for t in (_fold(part) for part in str(text).split(",")) if t]
    if not tokens:
        return UNKNOWN
    many = len(tokens) > 1
    found_all = [_lookup(token, many, i == 0) for i, token in enumerate(tokens)]
    if many and tokens[-1] == "ca" and any(f and f[0] == "CA" for f in found_all[:-1]):
        found_all[-1] = ("CA", None)  # "Toronto, CA": the ISO code of Canada, not California
    country: str | None = None
    province: str | None = None
    for found in reversed(found_all):
        if found is None:
            continue
        c, p = found
        if country is None:
            country = c
        elif c != country:
            continue  # "Paris, Ontario" stays in Canada; the later token is a city name
        if p and province is None and country == "CA":
            province = p
    return Location(country, province)
