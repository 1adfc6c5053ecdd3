"""The dashboard's static assets, served by ``thingmind.api``."""
