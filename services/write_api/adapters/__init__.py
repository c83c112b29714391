"""PostgreSQL behind the service layer's ports: pool, unit of work, repositories, migrations."""
