"""Cooperation against transnational threats: messages between law-enforcement contact
points with handling codes, requests for assistance and hit/no-hit matching."""
