"""Pricing as data: the terms of a pricing policy and the one engine that prices a window
under them (command side for quotes and bookings, query side for what-if repricing)."""
