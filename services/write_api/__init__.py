"""The write side of readside: commands in, PostgreSQL rows and a consistency token out."""
