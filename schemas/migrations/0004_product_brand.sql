-- A product's brand (optional). Added to a running system: existing rows keep NULL, and the read models
-- pick it up with the products_v2 mapping and a `readside rebuild products` (README, "Changing a read model").
ALTER TABLE products ADD COLUMN brand text CHECK (brand IS NULL OR length(brand) BETWEEN 1 AND 100);
