"""Location strings → (country ISO 3166-1 alpha-2, Canadian province/territory code).

Profiles write places as "Toronto, Ontario, Canada", "Greater Montreal Metropolitan
Area", "Région de Québec", "Ottawa, ON" or a survey's "United States of America".
The headline question is about Canada by province, so we resolve what can be
resolved from the words given and return ``None`` for the rest (no geocoding
service, no guessing from a bare ambiguous city such as "London").

Hand-written lookup tables rather than ``pycountry``: the names that matter here
are the survey's and LinkedIn's own spellings (and French ones), which pycountry
does not carry, and it would be a new dependency for ~200 lines of data.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

# ISO2|name|alias|... (English short names as the Stack Overflow survey writes them, plus
# common English and French variants).
_COUNTRY_TABLE = """
AF|Afghanistan
AL|Albania
DZ|Algeria|Algérie
AD|Andorra
AO|Angola
AG|Antigua and Barbuda
AR|Argentina|Argentine
AM|Armenia
AU|Australia|Australie
AT|Austria|Autriche
AZ|Azerbaijan
BS|Bahamas|The Bahamas
BH|Bahrain
BD|Bangladesh
BB|Barbados
BY|Belarus
BE|Belgium|Belgique
BZ|Belize
BJ|Benin|Bénin
BT|Bhutan
BO|Bolivia
BA|Bosnia and Herzegovina|Bosnia
BW|Botswana
BR|Brazil|Brésil|Brasil
BN|Brunei Darussalam|Brunei
BG|Bulgaria
BF|Burkina Faso
BI|Burundi
KH|Cambodia
CM|Cameroon|Cameroun
CA|Canada
CV|Cape Verde|Cabo Verde
CF|Central African Republic
TD|Chad|Tchad
CL|Chile|Chili
CN|China|Chine|People's Republic of China
CO|Colombia|Colombie
KM|Comoros
CG|Congo, Republic of the...|Republic of the Congo|Congo
CD|Democratic Republic of the Congo|DR Congo|RDC
CR|Costa Rica
CI|Côte d'Ivoire|Cote d'Ivoire|Ivory Coast
HR|Croatia|Croatie
CU|Cuba
CY|Cyprus|Chypre
CZ|Czech Republic|Czechia|République tchèque
DK|Denmark|Danemark
DJ|Djibouti
DM|Dominica
DO|Dominican Republic|République dominicaine
EC|Ecuador|Équateur
EG|Egypt|Égypte
SV|El Salvador
GQ|Equatorial Guinea
ER|Eritrea
EE|Estonia|Estonie
SZ|Eswatini|Swaziland
ET|Ethiopia|Éthiopie
FJ|Fiji
FI|Finland|Finlande
FR|France
GA|Gabon
GM|Gambia
GE|Georgia|Géorgie
DE|Germany|Allemagne|Deutschland
GH|Ghana
GR|Greece|Grèce
GD|Grenada
GT|Guatemala
GN|Guinea|Guinée
GW|Guinea-Bissau
GY|Guyana
HT|Haiti|Haïti
HN|Honduras
HK|Hong Kong (S.A.R.)|Hong Kong|Hong Kong SAR
HU|Hungary|Hongrie
IS|Iceland|Islande
IN|India|Inde
ID|Indonesia|Indonésie
IR|Iran, Islamic Republic of...|Iran
IQ|Iraq|Irak
IE|Ireland|Irlande
IL|Israel|Israël
IT|Italy|Italie|Italia
JM|Jamaica|Jamaïque
JP|Japan|Japon
JO|Jordan|Jordanie
KZ|Kazakhstan
KE|Kenya
KI|Kiribati
KP|Democratic People's Republic of Korea|North Korea
KR|Republic of Korea|South Korea|Korea|Corée du Sud
XK|Kosovo
KW|Kuwait|Koweït
KG|Kyrgyzstan
LA|Lao People's Democratic Republic|Laos
LV|Latvia|Lettonie
LB|Lebanon|Liban
LS|Lesotho
LR|Liberia
LY|Libyan Arab Jamahiriya|Libya|Libye
LI|Liechtenstein
LT|Lithuania|Lituanie
LU|Luxembourg
MO|Macao|Macau
MG|Madagascar
MW|Malawi
MY|Malaysia|Malaisie
MV|Maldives
ML|Mali
MT|Malta|Malte
MH|Marshall Islands
MR|Mauritania|Mauritanie
MU|Mauritius|Maurice
MX|Mexico|Mexique|México
FM|Micronesia, Federated States of...|Micronesia
MD|Republic of Moldova|Moldova
MC|Monaco
MN|Mongolia|Mongolie
ME|Montenegro|Monténégro
MA|Morocco|Maroc
MZ|Mozambique
MM|Myanmar|Burma
NA|Namibia|Namibie
NR|Nauru
NP|Nepal|Népal
NL|Netherlands|Pays-Bas|The Netherlands|Nederland
NZ|New Zealand|Nouvelle-Zélande
NI|Nicaragua
NE|Niger
NG|Nigeria|Nigéria
MK|Republic of North Macedonia|North Macedonia|The former Yugoslav Republic of Macedonia|Macedonia
NO|Norway|Norvège
OM|Oman
PK|Pakistan
PW|Palau
PS|Palestine|State of Palestine
PA|Panama
PG|Papua New Guinea
PY|Paraguay
PE|Peru|Pérou
PH|Philippines
PL|Poland|Pologne
PT|Portugal
PR|Puerto Rico|Porto Rico
QA|Qatar
RO|Romania|Roumanie
RU|Russian Federation|Russia|Russie
RW|Rwanda
KN|Saint Kitts and Nevis
LC|Saint Lucia
VC|Saint Vincent and the Grenadines
WS|Samoa
SM|San Marino
ST|Sao Tome and Principe
SA|Saudi Arabia|Arabie saoudite
SN|Senegal|Sénégal
RS|Serbia|Serbie
SC|Seychelles
SL|Sierra Leone
SG|Singapore|Singapour
SK|Slovakia|Slovaquie
SI|Slovenia|Slovénie
SB|Solomon Islands
SO|Somalia|Somalie
ZA|South Africa|Afrique du Sud
SS|South Sudan
ES|Spain|Espagne|España
LK|Sri Lanka
SD|Sudan|Soudan
SR|Suriname
SE|Sweden|Suède
CH|Switzerland|Suisse|Schweiz
SY|Syrian Arab Republic|Syria|Syrie
TW|Taiwan|Taïwan
TJ|Tajikistan
TZ|United Republic of Tanzania|Tanzania|Tanzanie
TH|Thailand|Thaïlande
TL|Timor-Leste
TG|Togo
TO|Tonga
TT|Trinidad and Tobago|Trinité-et-Tobago
TN|Tunisia|Tunisie
TR|Turkey|Türkiye|Turquie
TM|Turkmenistan
UG|Uganda|Ouganda
UA|Ukraine
AE|United Arab Emirates|UAE|Émirats arabes unis
GB|United Kingdom of Great Britain and Northern Ireland|United Kingdom|UK|Great Britain|England|Scotland|Wales|Northern Ireland|Royaume-Uni
US|United States of America|United States|USA|U.S.A.|U.S.|US|États-Unis|Etats-Unis|États-Unis d'Amérique
UY|Uruguay
UZ|Uzbekistan
VU|Vanuatu
VE|Venezuela, Bolivarian Republic of...|Venezuela
VN|Viet Nam|Vietnam
YE|Yemen|Yémen
ZM|Zambia|Zambie
ZW|Zimbabwe
"""

_PROVINCE_TABLE = """
AB|Alberta|Alta
BC|British Columbia|Colombie-Britannique|B.C.|Colombie Britannique
MB|Manitoba|Man
NB|New Brunswick|Nouveau-Brunswick|Nouveau Brunswick
NL|Newfoundland and Labrador|Newfoundland|Terre-Neuve-et-Labrador|Terre-Neuve|Labrador|Nfld|Newfoundland & Labrador
NS|Nova Scotia|Nouvelle-Écosse|Nouvelle Ecosse
NT|Northwest Territories|Territoires du Nord-Ouest|NWT
NU|Nunavut
ON|Ontario|Ont
PE|Prince Edward Island|Île-du-Prince-Édouard|PEI|P.E.I.
QC|Quebec|Québec|Province de Québec|Que|PQ
SK|Saskatchewan|Sask
YT|Yukon|Yukon Territory
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

_US_STATE_TABLE = """
AL|Alabama
AK|Alaska
AZ|Arizona
AR|Arkansas
CA|California|Californie
CO|Colorado
CT|Connecticut
DE|Delaware
DC|District of Columbia|Washington DC|Washington D.C.
FL|Florida|Floride
GA|Georgia
HI|Hawaii
ID|Idaho
IL|Illinois
IN|Indiana
IA|Iowa
KS|Kansas
KY|Kentucky
LA|Louisiana|Louisiane
ME|Maine
MD|Maryland
MA|Massachusetts
MI|Michigan
MN|Minnesota
MS|Mississippi
MO|Missouri
MT|Montana
NE|Nebraska
NV|Nevada
NH|New Hampshire
NJ|New Jersey
NM|New Mexico
NY|New York|New York State|New York City|NYC
NC|North Carolina
ND|North Dakota
OH|Ohio
OK|Oklahoma
OR|Oregon
PA|Pennsylvania|Pennsylvanie
RI|Rhode Island
SC|South Carolina
SD|South Dakota
TN|Tennessee
TX|Texas
UT|Utah
VT|Vermont
VA|Virginia|Virginie
WA|Washington|Washington State
WV|West Virginia
WI|Wisconsin
WY|Wyoming
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
    r"^(greater|grand|region de la|region de|region du|region d'|region of|ville de|city of|"
    r"the)\s+|\s+(metropolitan area|metropolitan region|metro area|census metropolitan area|"
    r"area|region|metropolitan|metro|and surrounding area|city area)$"
)


def _fold(text: str) -> str:
    """Lower case, accents stripped, dots and hyphens made uniform: the lookup key."""
    text = text.replace("\u2019", "'").replace("\u00a0", " ")
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
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


COUNTRIES = _load(_COUNTRY_TABLE)
PROVINCES = _load(_PROVINCE_TABLE)
PROVINCES.update({_fold(code): code for code in {v for v in PROVINCES.values()}})
CANADIAN_CITIES = _load(_CITY_TABLE)
US_STATES = _load(_US_STATE_TABLE)
US_STATES.update({_fold(code): code for code in {v for v in US_STATES.values()}})
FOREIGN_CITIES = _load(_FOREIGN_CITY_TABLE)
ISO2 = frozenset(COUNTRIES.values())
PROVINCE_CODES = frozenset(PROVINCES.values())


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


def _lookup(token: str, many_tokens: bool) -> tuple[str, str | None] | None:
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
    found_all = [_lookup(token, many) for token in tokens]
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
