"""Read models as declarations (`models/`), and everything derived from them once, in this package."""
