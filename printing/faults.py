"""What a printer failure means for the clerk (in Chinese and English) and for the printer's state.

The adapters in ``printing.printers`` raise only these, so the print queue keeps the job and the
status bar can say whether the printer is off or out of paper.
"""

from __future__ import annotations

from kiosk.core.errors import PrinterError
from printing.port import PrinterState


class PrinterFault(PrinterError):
    """A ``PrinterError`` that also says what it means for the printer's state (for the status bar)."""

    def __init__(self, message: str, action: str, *, message_en: str, action_en: str,
                 state: PrinterState = PrinterState.OFFLINE) -> None:
        super().__init__(message, action, message_en=message_en, action_en=action_en)
        self.state = state


def no_answer(name: str) -> PrinterFault:
    return PrinterFault(f"印表機沒有回應（{name}）", "請確認電源與網路線後在列印佇列（Ctrl+E）按 R 重印",
                        message_en=f"The printer does not answer ({name}).",
                        action_en="Check its power and cable, then press R (Retry) in the print queue (Ctrl+E).")


def hung_up(name: str) -> PrinterFault:
    return PrinterFault(f"印表機在列印中斷線（{name}），收據可能不完整",
                        "請確認印表機後在列印佇列（Ctrl+E）按 R 重印，不完整的收據請撕下作廢",
                        message_en=f"The printer hung up mid-job ({name}); the receipt may be cut short.",
                        action_en="Check the printer, press R (Retry) in the print queue (Ctrl+E) "
                                  "and void any partial receipt.")


def stalled(name: str) -> PrinterFault:
    return PrinterFault(f"印表機停止接收資料（{name}），可能缺紙、卡紙或上蓋未關",
                        "請檢查紙捲與上蓋後在列印佇列（Ctrl+E）按 R 重印",
                        message_en=f"The printer stopped taking data ({name}): out of paper, jammed or open.",
                        action_en="Check the paper roll and the cover, "
                                  "then press R (Retry) in the print queue (Ctrl+E).",
                        state=PrinterState.PAPER_OUT)


def _missing_package(package: str, kind: str) -> PrinterFault:
    return PrinterFault(f"缺少{kind}印表機所需的套件 {package}", f"請安裝 {package}（pip install {package}）",
                        message_en=f"The {kind} printer needs the {package} package, which is not installed.",
                        action_en=f"Install it (pip install {package}).")


def _os_fault(name: str, e: OSError) -> PrinterFault:
    if isinstance(e, BrokenPipeError | ConnectionResetError | ConnectionAbortedError):
        return hung_up(name)
    if isinstance(e, TimeoutError):
        return stalled(name)
    if isinstance(e, PermissionError):
        return PrinterFault(f"沒有權限使用印表機（{name}）", "請將 kiosk 使用者加入 lp 群組後重新登入",
                            message_en=f"No permission to use the printer ({name}).",
                            action_en="Add the kiosk user to the lp group and log in again.")
    return no_answer(name)
