"""Deregistration (F3 註冊停用): by card, or by typed ID when the card is lost or stolen.

Steps: [find by ID] → identity document seen (1–4) → reason (1–3) → review of everything that
stops working → Enter → a confirmation naming what is lost → Y. With a card in the reader that is
F3, 1, 1, Enter, Y. Esc steps back one step without losing the choices made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from kiosk.core.masking import mask_id, mask_name
from kiosk.core.models import Authorization, DeregistrationReason, IdDocument
from kiosk.core.rocdate import format_roc_date
from kiosk.i18n import t
from kiosk.screens.account.common import AccountScreen, subject_line
from kiosk.screens.confirm import ConfirmScreen
from kiosk.services.account import (
    Deregistered,
    DeregistrationPreview,
    Subject,
    deregister,
    deregistration_preview,
)

if TYPE_CHECKING:
    from kiosk.app import CardState

# The choices in key order (1, 2, …).
DOCUMENTS = (IdDocument.NATIONAL_ID_CARD, IdDocument.RESIDENT_CERTIFICATE, IdDocument.PASSPORT,
             IdDocument.HOUSEHOLD_CERTIFICATE)
REASONS = (DeregistrationReason.OWN_REQUEST, DeregistrationReason.MISUSE, DeregistrationReason.FALSE_DATA)


class DeregistrationScreen(AccountScreen):
    SERVICE_ID = "deregister"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(str(n), f"pick({n})", show=False) for n in range(1, 5)),
        Binding("enter", "review_confirm", show=False),
        Binding("i", "type_id", show=False),
    ]
    DEFAULT_CSS = """
    #dereg-find { height: auto; }
    #dereg-find .acct-row { height: 3; }
    #dereg-find Label { width: 30; padding: 1 1 0 1; }
    #dereg-id { width: 20; }
    #dereg-choices, #dereg-review { margin: 1 1 0 1; height: auto; }
    """

    step = "wait"  # wait (no person yet) · find · document · reason · review
    document: IdDocument | None = None
    reason: DeregistrationReason | None = None
    preview: DeregistrationPreview | None = None

    def compose_body(self) -> ComposeResult:
        with Vertical(id="dereg-find"), Horizontal(classes="acct-row"):
            yield Label(id="dereg-id-label")
            yield Input(id="dereg-id", max_length=10, restrict=r"[A-Za-z0-9]*")
        yield Static(id="dereg-choices")
        yield Static(id="dereg-review")

    def relabel(self) -> None:
        self.query_one("#dereg-id-label", Label).update(t("dereg.typed_label"))
        self._show_step()

    def keys(self) -> list[tuple[str, str]]:
        back = self.base_keys()
        if self.finished:
            return back
        if self.step == "find":
            return [("enter", t("dereg.key_find")), *back]
        if self.step == "document":
            return [("1-4", t("dereg.key_choose")), ("i", t("dereg.key_type_id")), *back]
        if self.step == "reason":
            return [("1-3", t("dereg.key_choose")), *back]
        if self.step == "review":
            return [("enter", t("dereg.key_confirm")), *back]
        return [("i", t("dereg.key_type_id")), *back]

    def keys_now(self) -> list[tuple[str, str]]:
        # A refusal is about the card in the reader (left there by the last citizen, say): the
        # citizen at the counter may still have lost theirs, so typing an ID stays on offer.
        keys = super().keys_now()
        if self.refused is not None and not self.finished:
            keys.insert(0, ("i", t("dereg.key_type_id")))
        return keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "type_id" and self.refused is not None and not self.finished:
            return True
        return super().check_action(action, parameters)

    # --- finding the person --------------------------------------------------------------------

    def no_card(self, card: CardState) -> None:
        super().no_card(card)
        self._set_step("find")

    def action_type_id(self) -> None:
        if self.refused is not None and not self.finished:
            self.clear_refusal()
            self.step = "wait"
        if not self.finished and self.step in ("wait", "document"):
            self.subject = None
            self.set_citizen_line("")
            self._set_step("find")

    @on(Input.Submitted, "#dereg-id")
    def _find(self, event: Input.Submitted) -> None:
        event.stop()
        self.load(typed_id=event.value)

    def subject_ready(self, subject: Subject) -> None:
        self.document = self.reason = None
        self._set_step("document")
        self._warn_other_card()

    def other_card_warning(self) -> str:
        """A typed ID while another citizen's card is in the reader: name both, masked, so the
        clerk stops before deregistering the wrong person."""
        subject, on_card = self.subject, self.kiosk.current_citizen()
        if subject is None or subject.by_card or on_card is None:
            return ""
        if on_card.national_id == subject.citizen.national_id:
            return ""
        return t("dereg.other_card", card_name=mask_name(on_card.name), card_id=mask_id(on_card.national_id),
                 name=mask_name(subject.citizen.name or subject.account.name),
                 id=mask_id(subject.citizen.national_id))

    def refresh_citizen_line(self) -> None:
        self._warn_other_card()

    def _warn_other_card(self) -> None:
        if self.subject is None:
            return
        line = subject_line(self.subject)
        warning = self.other_card_warning()
        self.set_citizen_line(f"{line}\n⚠ {warning}" if warning else line)

    def card_changed(self, card: CardState) -> None:
        super().card_changed(card)
        if not self.finished:
            self._warn_other_card()

    def unsaved_work(self) -> bool:
        return super().unsaved_work() or (not self.finished and self.document is not None)

    def subject_lost(self) -> None:
        self.document = self.reason = None
        self.preview = None
        self._set_step("wait")

    # --- choices -------------------------------------------------------------------------------

    def action_pick(self, n: int) -> None:
        if self.finished:
            return
        if self.step == "document" and n <= len(DOCUMENTS):
            self.document = DOCUMENTS[n - 1]
            self._set_step("reason")
        elif self.step == "reason" and n <= len(REASONS) and self.subject is not None:
            self.reason = REASONS[n - 1]
            nid = self.subject.citizen.national_id
            self.run_service(lambda ctx: deregistration_preview(ctx, nid), self._previewed)

    def _previewed(self, preview: DeregistrationPreview) -> None:
        if self.subject is None or self.step != "reason":
            return
        self.preview = preview
        self._set_step("review")

    def action_back(self) -> None:
        if self.finished:
            super().action_back()
            return
        previous = {"review": "reason", "reason": "document"}.get(self.step)
        if previous is None and self.step == "document" and self.subject and not self.subject.by_card:
            previous = "find"
        if previous is None:
            super().action_back()
            return
        if previous == "find":
            self.subject = None
            self.set_citizen_line("")
        self.show_message("")
        self._set_step(previous)

    def _set_step(self, step: str) -> None:
        self.step = step
        finding = step == "find"
        self.query_one("#dereg-find").display = finding
        box = self.query_one("#dereg-id", Input)
        if finding:
            box.focus()
        else:
            self.set_focus(None)  # digits and Enter belong to the screen from here on
        self._show_step()
        self.refresh_keys()

    def _show_step(self) -> None:
        choices = self.query_one("#dereg-choices", Static)
        review = self.query_one("#dereg-review", Static)
        choices.display = self.step in ("document", "reason")
        review.display = self.step == "review" or self.finished
        if self.step == "find":
            self.show_message(t("dereg.typed_hint"))
        if self.step == "document":
            choices.update(_choice_table(t("dereg.document_title"),
                                         [t(f"dereg.doc.{d.value}") for d in DOCUMENTS]))
        elif self.step == "reason":
            choices.update(_choice_table(t("dereg.reason_title"),
                                         [t(f"dereg.reason.{r.value}") for r in REASONS]))
        elif self.step == "review" and self.preview is not None:
            review.update(self._review_table(self.preview))
            if not self.finished:
                self.show_message(t("dereg.review_hint"))

    def _review_table(self, p: DeregistrationPreview) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        assert self.document is not None and self.reason is not None
        table.add_row(t("dereg.review.document"), t(f"dereg.doc.{self.document.value}"))
        table.add_row(t("dereg.review.reason"), t(f"dereg.reason.{self.reason.value}"))
        table.add_row("", "")
        table.add_row(Text(t("dereg.review_title"), style="bold underline"), "")
        names = "、".join(d.name for d in p.enabled_devices)
        table.add_row(t("dereg.review.devices"), Text(t("dereg.count_devices", n=len(p.enabled_devices))
                                                      + (f"（{names}）" if names else "")))
        table.add_row(t("dereg.review.codes"), t("dereg.count_codes", n=p.open_codes))
        card = (t("dereg.card_revoked", state=t(f"dereg.vcard.{p.virtual_card.state.value}"))
                if p.virtual_card else t("dereg.none"))
        table.add_row(t("dereg.review.card"), card)
        table.add_row(t("dereg.review.granted"), _authorizations(p.granted, granted=True))
        table.add_row(t("dereg.review.received"), _authorizations(p.received, granted=False))
        return table

    # --- confirm -------------------------------------------------------------------------------

    def action_review_confirm(self) -> None:
        subject, preview, document, reason = self.subject, self.preview, self.document, self.reason
        if (self.step != "review" or self.finished or subject is None or preview is None
                or document is None or reason is None):
            return
        citizen = subject.citizen
        lines = [
            t("dereg.confirm_q", name=mask_name(citizen.name or subject.account.name),
              id=mask_id(citizen.national_id)),
            t("dereg.confirm_lose"),
            t("dereg.confirm_devices", n=len(preview.enabled_devices)),
            t("dereg.confirm_codes", n=preview.open_codes),
        ]
        if preview.virtual_card is not None:
            lines.append(t("dereg.confirm_line_card"))
        lines.append(t("dereg.confirm_auths", n=len(preview.granted) + len(preview.received)))
        warning = self.other_card_warning()
        if warning:
            lines += ["", f"⚠ {warning}"]
        lines += ["", t("acct.confirm_yn")]
        question = "\n".join(lines)
        by_card = subject.by_card

        def answered(yes: bool | None) -> None:
            if yes and self.subject is subject:
                self.run_service(lambda ctx: deregister(ctx, citizen, document, reason, by_card=by_card),
                                 self._done)
            elif not yes:
                self.show_message(t("acct.declined"))

        self.app.push_screen(ConfirmScreen(question), answered)

    def _done(self, result: Deregistered) -> None:
        self.preview = result.preview
        p = result.preview
        card = "dereg.confirm_card" if p.virtual_card else "dereg.confirm_no_card"
        self.finish(lambda: t("dereg.done", devices=len(p.enabled_devices), codes=p.open_codes,
                              auths=result.authorizations_cancelled, card=t(card)), result.account)
        self._show_step()


def _choice_table(title: str, labels: list[str]) -> Group:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold reverse", no_wrap=True)
    table.add_column()
    for n, label in enumerate(labels, start=1):
        table.add_row(f" {n} ", label)
    return Group(Text(title, style="bold"), Text(""), table)


def _authorizations(items: tuple[Authorization, ...], *, granted: bool) -> Text:
    lines = [t("dereg.count_auths", n=len(items))]
    for item in items:
        other = item.grantee_id if granted else item.grantor_id
        lines.append(t("dereg.auth_line", code=item.code, other=mask_id(other),
                       start=format_roc_date(item.starts_on), end=format_roc_date(item.ends_on)))
    return Text("\n".join(lines))
