"""The products read model: product + inventory + units sold -> one search document per product."""
