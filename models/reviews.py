"""Reviews: what customers wrote about a product, searchable by its words, product and rating. The product
document carries their count and average (models/products.py)."""

from catalog.vocabulary import ReadModel, Role, keyed, text

MODEL = ReadModel(
    name="reviews",
    root="reviews",
    version=1,
    fields=(
        keyed("product_id", Role.FILTER),
        keyed("customer_id", Role.FILTER),
        keyed("rating", Role.FILTER, Role.SORT),
        text("body"),
        keyed("created_at", Role.SORT),
    ),
)
