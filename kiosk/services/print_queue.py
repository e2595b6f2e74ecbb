"""Print queue actions for staff: retry, reprint the last receipt, cancel. Each one is audited."""

from __future__ import annotations

from dataclasses import dataclass

from data.print_jobs import PrintJob, get_job, last_sent_job
from kiosk.core.errors import KioskError
from kiosk.core.permissions import require_print_cancel
from kiosk.services.context import ServiceContext
from kiosk.services.receipt_queue import SendResult


@dataclass(frozen=True)
class QueueView:
    queued: list[PrintJob]
    last_sent: PrintJob | None


def view(ctx: ServiceContext) -> QueueView:
    return QueueView(ctx.queue.queued(), last_sent_job(ctx.store, counter=ctx.queue.counter))


def _detail(job: PrintJob | None, job_id: int) -> dict[str, object]:
    return {"job": job_id, "kind": job.kind if job else "", "txn_no": job.txn_no if job else ""}


def retry(ctx: ServiceContext, job_id: int) -> SendResult:
    job = get_job(ctx.store, job_id)
    result = ctx.queue.retry(job_id)
    with ctx.store.transaction():
        ctx.audit("print_retry", subject_id=None, outcome="ok" if result.ok else "failed",
                  detail=_detail(job, job_id) | ({"error": result.error.message_en} if result.error else {}))
    return result


def reprint_last(ctx: ServiceContext) -> SendResult:
    result = ctx.queue.reprint_last(ctx.staff.staff_no)
    if result is None:
        raise KioskError("尚無已列印的收據可補印", message_en="No receipt has been printed yet.")
    job = get_job(ctx.store, result.job_id)
    with ctx.store.transaction():
        ctx.audit("print_reprint", subject_id=None, outcome="ok" if result.ok else "failed",
                  detail=_detail(job, result.job_id))
    return result


def cancel(ctx: ServiceContext, job_id: int) -> PrintJob:
    """Take a queued receipt off the queue; the citizen then gets no paper copy of it.

    Needs ``PRINT_CANCEL``; a clerk cancels only their own counter's receipts."""
    job = get_job(ctx.store, job_id)
    require_print_cancel(ctx.staff, job_counter=job.counter if job else None, counter=ctx.counter)
    with ctx.store.transaction():
        job = ctx.queue.cancel(job_id)
        ctx.audit("print_cancel", subject_id=None, detail=_detail(job, job_id))
    return job
