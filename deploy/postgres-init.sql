-- docker-compose: the query side's database next to fleet_command.
CREATE DATABASE fleet_query;
