"""Rich renderables for virtual cards and authorizations, shared by the F10 and F11 screens.

Everything from the database is passed as ``Text`` (never markup) and every ID is masked by the one
rule for IDs (``mask_id``: ``A223****89``).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from kiosk.core.masking import mask_id
from kiosk.core.models import Authorization, AuthorizationState, VirtualCard, VirtualCardState
from kiosk.core.rocdate import format_roc_date
from kiosk.i18n import t
from kiosk.services.virtual_card import CardOverview

STATE_STYLES = {
    VirtualCardState.PENDING: "bold yellow",
    VirtualCardState.APPROVED: "bold green",
    VirtualCardState.REJECTED: "bold red",
    VirtualCardState.REVOKED: "dim",
}
AUTH_STYLES = {
    AuthorizationState.ACTIVE: "bold green",
    AuthorizationState.CANCELLED: "dim",
    AuthorizationState.EXPIRED: "dim",
}


def card_state_text(state: VirtualCardState) -> Text:
    return Text(t(f"vcard.state.{state.value}"), style=STATE_STYLES[state])


def auth_state_text(state: AuthorizationState) -> Text:
    return Text(t(f"auth.state.{state.value}"), style=AUTH_STYLES[state])


def channel_label(channel: str) -> str:
    key = f"vcard.channel.{channel}"
    label = t(key)
    return channel if label == key else label


def date_range(auth: Authorization, *, compact: bool = False) -> str:
    """``115-09-23 ～ 116-09-23``; compact (no spaces) inside a sentence, so it never wraps apart."""
    sep = "～" if compact else " ～ "
    return f"{format_roc_date(auth.starts_on)}{sep}{format_roc_date(auth.ends_on)}"


def current_card_panel(view: CardOverview) -> RenderableType:
    card = view.current
    if card is None:
        return Text(t("vcard.none"), style="italic")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    grid.add_row(t("vcard.current_state"), card_state_text(card.state))
    grid.add_row(t("vcard.channel"), Text(channel_label(card.channel)))
    grid.add_row(t("vcard.applied_on"), Text(format_roc_date(card.applied_at.date())))
    if card.decided_at is not None:
        grid.add_row(t(f"vcard.decided_on.{card.state.value}"), Text(format_roc_date(card.decided_at.date())))
    if card.state is VirtualCardState.REJECTED:
        grid.add_row(t("vcard.reject_reason"), Text(card.reject_reason or t("vcard.no_reason"), style="red"))
    if card.state is VirtualCardState.PENDING:
        grid.add_row("", Text(t("vcard.pending_hint"), style="italic"))
    return grid


def history_table(cards: Sequence[VirtualCard]) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), expand=False, show_edge=False)
    for key in ("vcard.applied_on", "vcard.channel", "vcard.current_state", "vcard.decided_on", "vcard.note"):
        table.add_column(t(key), no_wrap=True)
    for card in cards:
        decided = format_roc_date(card.decided_at.date()) if card.decided_at else "—"
        note = (card.reject_reason or "") if card.state is VirtualCardState.REJECTED else ""
        table.add_row(Text(format_roc_date(card.applied_at.date())), Text(channel_label(card.channel)),
                      card_state_text(card.state), Text(decided), Text(note))
    return table


def authorization_table(auths: Sequence[Authorization], *, granted: bool) -> RenderableType:
    """Granted: who received it (grantee); received: who gave it (grantor)."""
    if not auths:
        return Text(t("auth.none_granted" if granted else "auth.none_received"), style="italic dim")
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), expand=False, show_edge=False)
    for key in ("auth.grantee" if granted else "auth.grantor", "auth.period", "auth.state", "auth.code"):
        table.add_column(t(key), no_wrap=True)
    for auth in auths:
        other = auth.grantee_id if granted else auth.grantor_id
        table.add_row(Text(mask_id(other)), Text(date_range(auth)), auth_state_text(auth.state),
                      Text(auth.code))
    return table


def authorization_summary(auths: Sequence[Authorization]) -> str:
    """``K128****33 （115-09-23～116-09-23）、…`` for a confirmation question.

    The spaces let the question wrap between an ID and its dates, never inside the masked ID.
    """
    return "、 ".join(f"{mask_id(a.grantee_id)} （{date_range(a, compact=True)}）" for a in auths)


def confirm_auths_text(active: Sequence[Authorization]) -> str:
    """The part of a confirmation question naming the authorizations that will be cancelled."""
    if not active:
        return t("vcard.confirm_no_auths")
    return t("vcard.confirm_auths", n=len(active), list=authorization_summary(active))
