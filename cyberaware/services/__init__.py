"""Operations that combine the domain (plain Python) with the database; no request handling."""
