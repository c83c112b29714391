"""The read models, one declaration per module (`MODEL = ReadModel(...)`), each with its mapping in
`schemas/elasticsearch/<alias>_v<version>.json`. Adding a module here is the whole registration; see
docs/read-models.md."""
