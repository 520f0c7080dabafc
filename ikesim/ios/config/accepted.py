"""Lines matched against :mod:`ikesim.ios.config.catalogue`: accepted with a warning, or a
feature ikesim does not model (an error, unless the scenario ignores the feature)."""

from __future__ import annotations

from ikesim.ios.config.catalogue import Accept, Node, Unmodelled
from ikesim.ios.config.cursor import (
    AMBIGUOUS,
    INCOMPLETE,
    INVALID,
    Cursor,
    ParseError,
    match_keyword,
)
from ikesim.ios.config.features import FEATURES
from ikesim.ios.config.state import GLOBAL, Mode, ParserState, Swallow


class Abbreviated(ParseError):
    """A submode line that only an abbreviated catalogue keyword would accept."""


NEGATED = "negations of defaults or of features ikesim does not model"
INERT = "routing processes without a network or neighbour (inert)"


def keywords(tree: dict[str, Node]) -> tuple[str, ...]:
    return tuple(k for k in tree if k != "*")


def not_modelled(feature: str, pos: int) -> ParseError:
    """The line parses (IOS would accept it) but belongs to a feature ikesim does not model.
    Such an error outranks any parse error of another mode, and the errors of one feature are
    reported once per configuration (report.py)."""
    err = ParseError(not_modelled_reason(feature), pos)
    err.feature = feature                    # type: ignore[attr-defined]
    return err


def not_modelled_reason(feature: str, more: str = "") -> str:
    feat = FEATURES[feature]
    return (f"% not modelled by ikesim: {feat.name}{more} (to run the lab without it, add "
            f"'ignore: [{feature}]' to this router in the scenario)")


def catalogue_line(st: ParserState, cur: Cursor, node: Node, *, negated: bool = False,
                   parent: Mode = GLOBAL, matched: str | None = None) -> Mode | None:
    """Finish a line whose keywords so far led to ``node``; returns the mode it opens, if any.

    ``negated``: the line started with ``no`` (removing something ikesim does not model leaves
    the lab as it is: accepted). ``matched``: the catalogue keyword the caller just matched
    (an abbreviation of it may really be a global command, see ``strict_catalogue``)."""
    pos = max(cur.i - 1, 0)
    inexact = None
    if matched is not None and cur.words[cur.i - 1].lower() != matched:
        inexact = cur.i - 1
    while isinstance(node, dict):
        word = cur.peek()
        found = None if word is None else match_keyword(word, keywords(node))
        if found and inexact is None and word is not None and word.lower() != found:
            inexact = cur.i
        if not found:
            if "*" in node:
                node = node["*"]
                break
            if word is None:
                raise ParseError(INCOMPLETE, cur.i)
            raise ParseError(AMBIGUOUS if found == "" else INVALID, cur.i)
        pos = cur.i
        cur.i += 1
        node = node[found]
    if st.strict_catalogue and inexact is not None:
        # An abbreviation that only the catalogue resolves, in a submode: the line may be a
        # global command (`ip route ...` under an interface is not `ip route-cache`).
        raise Abbreviated(INVALID, inexact)
    cur.skip_rest()
    text = cur.raw.strip()
    if negated:
        st.ignore(text, node.category if isinstance(node, Accept) else NEGATED)
        return None
    if isinstance(node, Accept):
        st.ignore(text, node.category)
        if node.block is None:
            return None
        return ("swallow", Swallow("accept", node.category, node.block, st.indent, parent))
    assert isinstance(node, Unmodelled)
    if node.feature not in st.ignore_features and node.inert_when_empty:
        return ("swallow", Swallow("pending", node.feature, node.block or (), st.indent, parent,
                                   (st.lineno, text)))
    if node.feature not in st.ignore_features:
        if node.block is not None:       # the block's body is skipped without more errors
            st.pending_mode = ("swallow", Swallow("error", node.feature, node.block, st.indent,
                                                  parent))
        raise not_modelled(node.feature, pos)
    st.unmodelled(node.feature, text)
    if node.block is None:
        return None
    return ("swallow", Swallow("unmodelled", node.feature, node.block, st.indent, parent))


def swallow_line(st: ParserState, cur: Cursor) -> bool:
    """In a swallowed block: consume the line if it belongs to the block (True): it is indented
    deeper than the block's first line, or (pasted CLI without indentation) it starts with one
    of the block's keywords. Otherwise the mode returns to the block's parent."""
    _kind, block = st.mode
    assert isinstance(block, Swallow)
    word = cur.peek()
    inside = st.indent > block.indent or (
        st.indent == block.indent == 0 and word is not None
        and bool(match_keyword(word, block.words)))
    if not inside:
        end_block(st)
        return False
    text = cur.raw.strip()
    if block.kind == "pending" and block.header is not None:     # it has a body: an error
        line, header = block.header
        st.late_errors.append((line, not_modelled_reason(block.label), header, block.label))
        st.mode = ("swallow", Swallow("error", block.label, block.words, block.indent,
                                      block.parent))
    if block.kind == "accept":
        st.ignore(text, block.label)
    elif block.kind == "unmodelled":
        st.unmodelled(block.label, text)
    return True


def end_block(st: ParserState) -> None:
    """Leave a swallowed block; a routing process that got no body is inert: accepted."""
    _kind, block = st.mode
    assert isinstance(block, Swallow)
    if block.kind == "pending" and block.header is not None:
        line, header = block.header
        st.config.ignored.append((line, header))
        st.config.ignored_category[line] = INERT
    st.mode = block.parent


__all__ = ["end_block", "NEGATED", "catalogue_line", "keywords", "not_modelled", "swallow_line"]
