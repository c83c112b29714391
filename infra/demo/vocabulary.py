"""Words the demo shop is made of: people by country, and product lines by category."""

from __future__ import annotations

from dataclasses import dataclass

# Country (ISO-3166 alpha-2) → (weight, first names, family names). Weights give a plausible mix.
PEOPLE: dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]] = {
    "DE": (
        14,
        ("Lena", "Jonas", "Mia", "Felix", "Hannah", "Lukas", "Emma", "Paul"),
        ("Müller", "Schmidt", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann", "Schulz"),
    ),
    "GB": (
        12,
        ("Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Freya"),
        ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas"),
    ),
    "US": (
        16,
        ("James", "Olivia", "Liam", "Sophia", "Noah", "Emily", "Ethan", "Harper"),
        ("Johnson", "Miller", "Davis", "Garcia", "Rodriguez", "Martinez", "Anderson", "Clark"),
    ),
    "FR": (
        10,
        ("Louise", "Gabriel", "Chloé", "Raphaël", "Léa", "Hugo", "Manon", "Arthur"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"),
    ),
    "ES": (
        7,
        ("Lucía", "Hugo", "Martina", "Mateo", "Sofía", "Daniel", "Paula", "Pablo"),
        ("García", "Fernández", "González", "Rodríguez", "López", "Sánchez", "Pérez", "Romero"),
    ),
    "IT": (
        7,
        ("Giulia", "Leonardo", "Sofia", "Francesco", "Aurora", "Lorenzo", "Alice", "Matteo"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"),
    ),
    "NL": (
        5,
        ("Sem", "Julia", "Daan", "Tess", "Lucas", "Sara", "Finn", "Anna"),
        ("de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Meijer"),
    ),
    "SE": (
        4,
        ("Alice", "William", "Maja", "Hugo", "Elsa", "Oscar", "Astrid", "Nils"),
        ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson"),
    ),
    "PL": (
        5,
        ("Zuzanna", "Antoni", "Julia", "Jan", "Maja", "Jakub", "Zofia", "Szymon"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński"),
    ),
    "JP": (
        6,
        ("Haruto", "Yui", "Sota", "Hina", "Yuto", "Aoi", "Riku", "Sakura"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura"),
    ),
    "BR": (
        6,
        ("Miguel", "Helena", "Arthur", "Alice", "Heitor", "Laura", "Davi", "Valentina"),
        ("Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Costa", "Almeida"),
    ),
    "IN": (
        5,
        ("Aarav", "Ananya", "Vihaan", "Diya", "Arjun", "Saanvi", "Reyansh", "Aadhya"),
        ("Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair"),
    ),
    "CA": (
        3,
        ("Liam", "Charlotte", "Benjamin", "Chloe", "Lucas", "Maeve", "Nathan", "Zoe"),
        ("Tremblay", "Roy", "Gagnon", "MacDonald", "Campbell", "Lee", "Bouchard", "Morin"),
    ),
}

EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

BRANDS = (
    "Nordkap",
    "Alder & Co",
    "Fjell",
    "Kestrel",
    "Marlow",
    "Solvik",
    "Umbra Works",
    "Tidewater",
    "Brightwell",
    "Oakridge",
    "Hearth & Field",
    "Lumen",
)


@dataclass(frozen=True)
class ProductLine:
    """One category: its SKU prefix, what it sells, how it is described and priced (in cents)."""

    sku_prefix: str
    nouns: tuple[str, ...]
    qualities: tuple[str, ...]
    features: tuple[str, ...]
    price_cents: tuple[int, int]


CATEGORIES: dict[str, ProductLine] = {
    "kitchen": ProductLine(
        "KIT",
        (
            "Espresso Maker",
            "Chef's Knife",
            "Skillet",
            "Teapot",
            "Cutting Board",
            "Pepper Mill",
            "Mixing Bowl",
            "Kettle",
        ),
        ("Cast Iron", "Copper", "Stoneware", "Walnut", "Enamelled", "Stainless"),
        ("Dishwasher safe.", "Works on induction hobs.", "Hand-finished in small batches.", "Comes with a care guide."),
        (900, 18900),
    ),
    "outdoor": ProductLine(
        "OUT",
        ("Tent", "Sleeping Bag", "Hiking Backpack", "Trekking Poles", "Camping Stove", "Headlamp", "Water Bottle"),
        ("Ultralight", "Waterproof", "Four-Season", "Packable", "Insulated", "Rugged"),
        (
            "Tested on alpine trails.",
            "Packs down to the size of a loaf of bread.",
            "Seams taped against heavy rain.",
            "Repairable with the included kit.",
        ),
        (1500, 45000),
    ),
    "garden": ProductLine(
        "GRD",
        ("Watering Can", "Pruning Shears", "Raised Bed", "Hose Reel", "Seed Tray", "Garden Gloves", "Wheelbarrow"),
        ("Galvanised", "Cedar", "Recycled", "Heavy-Duty", "Compact", "Ergonomic"),
        (
            "Weatherproof all year round.",
            "Made from reclaimed materials.",
            "Fits small balconies and big plots alike.",
            "Spare parts available for ten years.",
        ),
        (700, 15900),
    ),
    "office": ProductLine(
        "OFF",
        ("Desk Lamp", "Notebook", "Fountain Pen", "Monitor Stand", "Desk Organizer", "Office Chair", "Bookend"),
        ("Oak", "Brass", "Matte Black", "Adjustable", "Minimalist", "Linen-Bound"),
        (
            "Designed for long working days.",
            "Warm dimmable light.",
            "Acid-free paper.",
            "Assembles in five minutes without tools.",
        ),
        (500, 39900),
    ),
    "audio": ProductLine(
        "AUD",
        ("Headphones", "Bluetooth Speaker", "Turntable", "Earbuds", "Soundbar", "Radio"),
        ("Wireless", "Noise-Cancelling", "Retro", "Studio", "Portable", "Hi-Fi"),
        (
            "Thirty hours of battery life.",
            "Balanced, detailed sound.",
            "Pairs with two devices at once.",
            "Replaceable ear cushions.",
        ),
        (2500, 59900),
    ),
    "home": ProductLine(
        "HOM",
        ("Wool Blanket", "Table Lamp", "Scented Candle", "Throw Pillow", "Wall Clock", "Curtains", "Vase"),
        ("Linen", "Ceramic", "Handwoven", "Scandinavian", "Velvet", "Rattan"),
        (
            "Naturally dyed.",
            "Machine washable at 30 °C.",
            "Each piece is slightly unique.",
            "Soy wax with a cotton wick.",
        ),
        (1200, 24900),
    ),
    "sports": ProductLine(
        "SPT",
        ("Yoga Mat", "Running Shoes", "Dumbbell Set", "Jump Rope", "Cycling Helmet", "Tennis Racket", "Foam Roller"),
        ("Non-Slip", "Lightweight", "Pro", "Breathable", "Adjustable", "Carbon"),
        ("Used by club coaches.", "Grips even when wet.", "Certified to EN 1078.", "Cushioned for long distances."),
        (900, 29900),
    ),
    "toys": ProductLine(
        "TOY",
        ("Train Set", "Jigsaw Puzzle", "Building Blocks", "Kite", "Plush Bear", "Marble Run"),
        ("Wooden", "Magnetic", "Giant", "Glow-in-the-Dark", "Rainbow", "Classic"),
        (
            "For ages three and up.",
            "Non-toxic water-based paints.",
            "Hours of screen-free play.",
            "Compatible with the rest of the range.",
        ),
        (600, 12900),
    ),
}

CLOSING_LINES = (
    "Ships in recyclable packaging.",
    "Two-year warranty.",
    "Free returns within 30 days.",
    "Designed in Europe.",
)
