"""Results services: outcomes and holds, decisions (release, incidents, special consideration), panels."""
