"""Identity shared by both services: principals, roles, access-token verification."""
