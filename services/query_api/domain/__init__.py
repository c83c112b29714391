"""Pure query logic: parameters, query DSL, cursors, documents to products. No I/O here."""
