"""The 27 Rakuten France product types: code -> name."""

CATEGORIES: dict[int, str] = {
    10: "Livres anciens / occasion",
    40: "Jeux vidéos anciens, équipement",
    50: "Accessoires & produits dérivés gaming",
    60: "Consoles de jeu",
    1140: "Figurines",
    1160: "Cartes de jeu",
    1180: "Figurines & Jeux de Société",
    1280: "Jeux & jouets pour enfants",
    1281: "Jeux de société",
    1300: "Modélisme",
    1301: "Vêtements bébé et jeux pour la maison",
    1302: "Jeux & jouets d'extérieur pour enfants",
    1320: "Jouets & accessoires pour bébé",
    1560: "Meubles d'intérieur",
    1920: "Linge de maison",
    1940: "Alimentation & vaisselle",
    2060: "Objets décoration maison",
    2220: "Equipement pour animaux",
    2280: "Journaux, revues, magazines anciens",
    2403: "Livres, BD, magazines anciens",
    2462: "Consoles, jeux et équipement occasion",
    2522: "Papeterie",
    2582: "Meubles d'extérieur",
    2583: "Equipement pour piscine",
    2585: "Outillage intérieur / extérieur, tâches ménagères",
    2705: "Livres neufs",
    2905: "Jeux PC",
}

CODES: tuple[int, ...] = tuple(sorted(CATEGORIES))
"""Class order of every model: index i of a probability vector is CODES[i]."""

CLASS_INDEX: dict[int, int] = {code: i for i, code in enumerate(CODES)}
"""Code -> its index in ``CODES`` (a label's position in a probability vector)."""


def name_of(code: int) -> str:
    """The display name of a product-type code."""
    return CATEGORIES[code]


def is_known(code: object) -> bool:
    """Whether ``code`` is one of the 27 product-type codes."""
    return isinstance(code, int) and not isinstance(code, bool) and code in CATEGORIES
