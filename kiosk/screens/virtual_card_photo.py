"""Photo replacement wizard (更換相片): choose the photo → look at it → revoke and re-apply at once.

The photo comes from a typed file path, or from a folder where the counter camera or scanner
saves: typing a folder takes its newest JPEG/PNG, and the folder is remembered for the rest of the
session (until the kiosk exits), so the next citizen's photo is one Enter away. The configured
``photo.drop_folder`` is offered before anything was typed. Under 14 the ID or
NHI card photo may serve instead (F6), and nothing is uploaded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from weakref import WeakKeyDictionary

from PIL import Image
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, Input, Label, Static

from kiosk.core.masking import mask_id, mask_name
from kiosk.core.models import Citizen
from kiosk.core.photo import (
    MAX_PHOTO_BYTES,
    MIN_HEIGHT,
    MIN_WIDTH,
    OUTPUT_SIZE,
    PreparedPhoto,
    newest_photo,
    prepare_photo,
    read_photo_file,
)
from kiosk.core.rocdate import format_roc_date
from kiosk.i18n import t
from kiosk.screens.base import ServiceScreen
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.virtual_card_view import authorization_summary, confirm_auths_text
from kiosk.services.context import ServiceContext
from kiosk.services.virtual_card import ApplicationResult, CardOverview, PhotoSource, apply_with_photo
from widgets.photo_view import PhotoView

# Folder (or file) last typed, per running app: "remembered for the session".
_remembered: WeakKeyDictionary[App[object], str] = WeakKeyDictionary()

PHOTO_RULE_KEYS = ("recent", "frontal", "no_edit", "headwear", "head", "size")


@dataclass(frozen=True)
class LoadedPhoto:
    path: Path
    prepared: PreparedPhoto
    preview: Image.Image
    remember: str


def load_photo(typed: str) -> LoadedPhoto:
    """Resolve what the clerk typed (file or drop folder), check and prepare the photo."""
    path = Path(typed.strip()).expanduser()
    remember = str(path)
    if path.is_dir():
        path = newest_photo(path)
    else:
        remember = str(path.parent)
    prepared = prepare_photo(read_photo_file(path))
    preview = Image.open(io.BytesIO(prepared.jpeg))
    preview.load()
    return LoadedPhoto(path, prepared, preview, remember)


class PhotoReplacementScreen(ServiceScreen):
    SERVICE_ID = "virtual_card"
    STEPS: ClassVar[tuple[str, ...]] = ("step-source", "step-preview", "step-done")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f6", "document_photo", show=False),
        Binding("y,enter", "accept", show=False),
        Binding("r", "retake", show=False),
    ]
    DEFAULT_CSS = """
    #vc-steps { height: 1fr; padding: 0 1; }
    #step-source, #step-done { height: auto; }
    #vc-intro { border: round $warning; padding: 0 1; height: auto; }
    #vc-rules { margin-top: 1; height: auto; }
    #photo-path { width: 90; }
    #step-preview { height: auto; }
    #vc-photo { margin-right: 2; }
    #vc-photo-side { width: 1fr; height: auto; }
    #vc-photo-question { margin-top: 1; text-style: bold; }
    #vc-done { border: round $success; padding: 0 1; height: auto; }
    """

    def __init__(self, citizen: Citizen, view: CardOverview) -> None:
        super().__init__()
        self.citizen = citizen
        self.overview = view
        self.step = "step-source"
        self.loaded: LoadedPhoto | None = None
        self.result: ApplicationResult | None = None

    def _configured_folder(self) -> str:
        folder = self.kiosk.config.photo.drop_folder
        return str(Path(folder).expanduser()) if folder else ""

    def compose_body(self) -> ComposeResult:
        with ContentSwitcher(initial="step-source", id="vc-steps"):
            with Vertical(id="step-source"):
                yield Static(id="vc-intro")
                yield Static(id="vc-rules")
                yield Label(id="vc-path-label", classes="field-label")
                yield Input(_remembered.get(self.app, "") or self._configured_folder(), id="photo-path")
                yield Label(id="vc-path-hint", classes="hint")
            with Horizontal(id="step-preview"):
                yield PhotoView(id="vc-photo", cells_wide=30)
                with Vertical(id="vc-photo-side"):
                    yield Static(id="vc-photo-info")
                    yield Label(id="vc-photo-question")
            with Vertical(id="step-done"):
                yield Static(id="vc-done")

    def on_mount(self) -> None:
        self.query_one("#photo-path", Input).focus()

    def keys(self) -> list[tuple[str, str]]:
        if self.step == "step-source":
            keys = [("enter", t("vcard.key.read_photo"))]
            if self.overview.document_photo_allowed:
                keys.append(("f6", t("vcard.key.document_photo")))
            return [*keys, ("escape", t("key.back"))]
        if self.step == "step-preview":
            retake = t("vcard.key.retake")
            return [("y", t("vcard.key.accept")), ("r", retake), ("escape", retake)]
        return [("escape", t("key.back"))]

    def _go(self, step: str) -> None:
        self.step = step
        self.query_one(ContentSwitcher).current = step
        self.refresh_keys()
        if step == "step-source":
            self.query_one("#photo-path", Input).focus()
        else:
            self.set_focus(None)

    # --- labels --------------------------------------------------------------------------------

    def relabel(self) -> None:
        c, live = self.citizen, self.overview.live
        self.set_citizen_line(f"{mask_name(c.name)}  {mask_id(c.national_id)}")
        if live is not None:
            intro = t("vcard.photo_intro_replace", state=t(f"vcard.state.{live.state.value}"),
                      applied=format_roc_date(live.applied_at.date()), n=len(self.overview.active_granted))
        else:
            intro = t("vcard.photo_intro_new")
        self.query_one("#vc-intro", Static).update(Text(f"{intro}\n{self._outcome()}"))
        rules = Text(t("vcard.rules_title"), style="bold")
        for key in PHOTO_RULE_KEYS:
            rules.append("\n  ✓ " + t(f"vcard.rule.{key}", mb=MAX_PHOTO_BYTES // (1024 * 1024)), style="")
        rules.append("\n" + t("vcard.rule.kiosk", w=MIN_WIDTH, h=MIN_HEIGHT), style="dim")
        self.query_one("#vc-rules", Static).update(rules)
        self.query_one("#vc-path-label", Label).update(t("vcard.path_label"))
        self.query_one("#photo-path", Input).placeholder = t("vcard.path_placeholder")
        hint = t("vcard.path_hint")
        if self.overview.document_photo_allowed:
            hint += "\n" + t("vcard.document_photo_hint")
        self.query_one("#vc-path-hint", Label).update(hint)
        self.query_one("#vc-photo-question", Label).update(t("vcard.photo_question"))
        self._show_info()
        self._show_done()

    def _outcome(self) -> str:
        auto = self.kiosk.config.rules.counter_card_auto_approve
        return t("vcard.outcome_approved" if auto else "vcard.outcome_pending")

    def _show_info(self) -> None:
        loaded = self.loaded
        if loaded is None:
            return
        p = loaded.prepared
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        grid.add_row(t("vcard.info.file"), Text(loaded.path.name))
        grid.add_row(t("vcard.info.source"), Text(f"{p.source_format} {p.source_size[0]}×{p.source_size[1]}, "
                                                  f"{p.source_bytes / 1024:.0f} KB"))
        (w, h), kb = OUTPUT_SIZE, f"{len(p.jpeg) / 1024:.0f}"
        stored = t("vcard.info.stored_value", w=w, h=h, kb=kb)
        grid.add_row(t("vcard.info.stored"), Text(stored))
        grid.add_row(t("vcard.info.orientation"),
                     Text(t("vcard.info.rotated" if p.rotated else "vcard.info.upright")))
        grid.add_row(t("vcard.info.metadata"), Text(t("vcard.info.stripped")))
        checklist = Text("\n" + t("vcard.check_title"), style="bold")
        for key in ("frontal", "headwear", "head"):
            checklist.append("\n  □ " + t(f"vcard.rule.{key}"), style="")
        self.query_one("#vc-photo-info", Static).update(Group(grid, checklist))

    def _show_done(self) -> None:
        result = self.result
        if result is None:
            return
        lines = [t("vcard.done_applied", state=t(f"vcard.state.{result.application.state.value}"))]
        if result.revoked is not None:
            lines.append(t("vcard.done_revoked", n=len(result.cancelled)))
            if result.cancelled:
                lines.append(t("vcard.done_cancelled", list=authorization_summary(result.cancelled)))
        lines.append(t(f"vcard.done_source.{result.photo_source.value}"))
        lines.append(t("vcard.done_receipts", n=2 if result.revoked is not None else 1))
        self.query_one("#vc-done", Static).update(Text("\n".join(lines)))

    # --- source step ---------------------------------------------------------------------------

    @on(Input.Submitted, "#photo-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if not typed:
            self.show_message(t("vcard.path_empty"), error=True)
            return
        self.show_message(t("vcard.reading_photo"))
        self.run_service(lambda _ctx: load_photo(typed), self._photo_loaded)

    def _photo_loaded(self, loaded: LoadedPhoto) -> None:
        self.loaded = loaded
        _remembered[self.app] = loaded.remember
        self.query_one(PhotoView).image = loaded.preview
        self._show_info()
        self.show_message(t("vcard.photo_ok"))
        self._go("step-preview")

    def action_document_photo(self) -> None:
        if self.step != "step-source" or not self.overview.document_photo_allowed:
            return
        self._confirm_and_apply(None, PhotoSource.ID_DOCUMENT)

    # --- preview step --------------------------------------------------------------------------

    def action_retake(self) -> None:
        if self.step == "step-preview":
            self.loaded = None
            self.query_one(PhotoView).image = None
            self.show_message(t("vcard.retake_hint"))
            self._go("step-source")

    def action_accept(self) -> None:
        if self.step == "step-preview" and self.loaded is not None:
            self._confirm_and_apply(self.loaded.prepared, PhotoSource.UPLOAD)

    def action_back(self) -> None:
        if self.step == "step-preview":
            self.action_retake()
        else:
            self.dismiss(None)

    # --- submit --------------------------------------------------------------------------------

    def _confirm_and_apply(self, photo: PreparedPhoto | None, source: PhotoSource) -> None:
        live, active = self.overview.live, self.overview.active_granted
        what = t(f"vcard.confirm_source.{source.value}")
        if live is not None:
            question = t("vcard.replace_confirm", state=t(f"vcard.state.{live.state.value}"),
                         applied=format_roc_date(live.applied_at.date()), source=what,
                         outcome=self._outcome(), auths=confirm_auths_text(active))
        else:
            question = t("vcard.apply_confirm", source=what, outcome=self._outcome())
        citizen = self.citizen

        def apply(ctx: ServiceContext) -> ApplicationResult:
            return apply_with_photo(ctx, citizen, photo, source=source)

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_service(apply, self._applied)
            else:
                self.show_message(t("vcard.replace_declined"))

        self.app.push_screen(ConfirmScreen(question), answered)

    def _applied(self, result: ApplicationResult) -> None:
        self.result = result
        self._show_done()
        self.show_message(t("vcard.done_message"))
        self._go("step-done")
        self.mark_finished()

