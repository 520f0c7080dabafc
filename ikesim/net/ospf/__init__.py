"""OSPFv2 (RFC 2328) on the simulated network: packets as real bytes (packets.py), the link-state
database (lsdb.py), neighbours and the database exchange (neighbor.py), interfaces, hellos and
the DR election (interface.py), LSA origination and flooding (origination.py), shortest paths
with networkx (spf.py), routes and area border summaries (routes.py), and the processes of a
router (process.py)."""
