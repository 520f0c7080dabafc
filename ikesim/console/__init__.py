"""``ikesim lab``: an interactive IOS console on a running lab.

- :mod:`ikesim.console.session` — the console itself (devices, modes, time control, save), free
  of any terminal library so that tests drive it line by line;
- :mod:`ikesim.console.grammar` and :mod:`ikesim.console.configmode` — ``?`` help, Tab
  completion and caret errors, generated from the grammars that parse exec commands
  (``ikesim.ios.exec_parse``) and configurations (``ikesim.ios.config``);
- :mod:`ikesim.console.save` — the session written back as a scenario that ``ikesim run``
  replays byte for byte;
- :mod:`ikesim.console.app` — the prompt_toolkit front end (prompts, history, key bindings,
  the real-time clock).
"""
