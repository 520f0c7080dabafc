"""Errors and warnings of one configuration, as the user reads them.

Errors: every bad line of a configuration is reported at once, sorted, each as
``FILE:LINE: REASON: 'LINE TEXT'`` followed by the line and IOS's ``^`` marker under the word
where parsing stopped (IOS: "% Invalid input detected at '^' marker.")::

    lab.yaml:14: % Invalid input detected at '^' marker.: 'ip roote 0.0.0.0 0.0.0.0 1.1.1.1'
        ip roote 0.0.0.0 0.0.0.0 1.1.1.1
           ^

Warnings (:func:`config_warnings`): once per router, the accepted lines ikesim does not model
(by category, with their line numbers) and the features the scenario asked to ignore, with what
the lab will lack.
"""

from __future__ import annotations

from collections import defaultdict

from ikesim.errors import InputError
from ikesim.ios.config.features import FEATURES
from ikesim.net.config import DeviceConfig


class ConfigLineError(InputError):
    """One bad configuration line; ``column`` is where IOS would put its ``^`` (None: none)."""

    def __init__(self, reason: str, *, file: str | None, line: int, text: str,
                 column: int | None) -> None:
        self.column = column
        super().__init__(reason, file=file, line=line, text=text)

    def render(self) -> str:
        head = super().render()
        if self.column is None or self.text is None:
            return head
        return f"{head}\n    {self.text}\n    {' ' * self.column}^"


class ConfigErrors(InputError):
    """All the bad lines of one configuration (at least one), sorted by file and line.

    ``reason``/``file``/``line``/``text`` are the first error's, so code that reports a single
    :class:`InputError` still names the first bad line."""

    def __init__(self, errors: list[ConfigLineError]) -> None:
        assert errors
        self.errors = sorted(errors, key=lambda e: (e.file or "", e.line or 0))
        first = self.errors[0]
        super().__init__(first.reason, file=first.file, line=first.line, text=first.text)

    def render(self) -> str:
        return "\n".join(err.render() for err in self.errors)


def compact_lines(numbers: list[int]) -> str:
    """``[3, 4, 5, 9]`` -> ``"3-5, 9"``."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def config_warnings(name: str, config: DeviceConfig) -> list[InputError]:
    """The warnings a router's configuration gives when it loads (empty when there are none),
    as errors that do not stop the run: ``FILE:FIRSTLINE: warning: NAME: ...``."""
    where = config.source or "<config>"
    shift = config.source_offset
    warnings: list[InputError] = []
    if config.ignored:
        by_category: dict[str, list[int]] = defaultdict(list)
        for line, _text in config.ignored:
            by_category[config.ignored_category.get(line, "management plane")].append(
                line + shift)
        parts = [f"{cat} (lines {compact_lines(lines)})" for cat, lines in
                 sorted(by_category.items(), key=lambda kv: min(kv[1]))]
        first = min(line for line, _ in config.ignored) + shift
        warnings.append(InputError(f"{name}: {len(config.ignored)} line(s) accepted but not "
                                   f"modelled by ikesim: {'; '.join(parts)}", file=where,
                                   line=first))
    by_feature: dict[str, list[int]] = defaultdict(list)
    for line, key in config.unmodelled:
        by_feature[key].append(line + shift)
    for key, lines in sorted(by_feature.items(), key=lambda kv: min(kv[1])):
        feat = FEATURES[key]
        networks = [text.split(None, 1)[1] for line, text in sorted(config.unmodelled_text.items())
                    if text.split()[:1] == ["network"] and len(text.split()) > 1
                    and (line, key) in config.unmodelled]
        detail = f" (its network statements: {'; '.join(networks)})" if networks else ""
        warnings.append(InputError(f"{name}: {feat.name} ignored as the scenario asks (lines "
                                   f"{compact_lines(lines)}): the lab will lack {feat.lacks}"
                                   f"{detail}", file=where, line=min(lines)))
    return warnings


__all__ = ["ConfigErrors", "ConfigLineError", "compact_lines", "config_warnings"]
