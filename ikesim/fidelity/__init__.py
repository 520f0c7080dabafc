"""The fidelity suite: ikesim's consoles held against real IOS captures (``make fidelity``)."""
