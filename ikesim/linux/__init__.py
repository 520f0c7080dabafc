"""Linux VPN gateways: strongSwan (charon, swanctl) and libreswan (pluto) personalities.

The layer of ``ikesim.ios``: data + formatters over the same IKE engine and network model.

* ``config/`` — the daemons' own configuration syntax (``swanctl.conf``; ``ipsec.conf`` and
  ``ipsec.secrets``) and the Linux side (``ip addr``/``ip route`` commands), parsed with
  FILE:LINE errors into one :class:`~ikesim.linux.config.model.LinuxConfig`, then built into
  the network model's :class:`~ikesim.net.config.DeviceConfig` and the engine's crypto data;
* ``daemon.py`` — the IKE daemon service: drives the engine (profiles ``strongswan`` and
  ``libreswan`` in ``ike/profiles.py``), trap policies (kernel acquires), IPsec SAs in the
  kernel (``ip xfrm``), connection revival (pluto);
* ``log/`` — charon's and pluto's log lines over the engine's structured events;
* ``device.py`` and ``commands.py`` — the shell: ``swanctl``, ``ipsec``, ``ip``, ``ping``.

Sources: ../shared/fidelity/linux (real runs of strongSwan 5.9.8 and libreswan 4.10) and the
daemons' sources at those versions (cited where used).
"""
