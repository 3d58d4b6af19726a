"""runlog's own error type.

Every problem with the user's input is raised as :class:`RunlogError`, whose
message is one line naming the file (and row). The CLI prints that line on
stderr and exits with status 2; anything else escaping is a bug.
"""

from __future__ import annotations

from pathlib import Path


class RunlogError(Exception):
    """A problem with the user's input, told in one line.

    Parameters
    ----------
    message : str
        What went wrong, in plain words.
    path : str or Path, optional
        The file concerned; prefixed to the message.
    row : int, optional
        The row of that file (spreadsheet numbering: the header is row 1).
    line : int, optional
        The line of the file (1-based, as a text editor numbers them) the row starts on, when it
        is not the row's number (a quoted cell above holds a line break): the reason ends with
        ``(line L in a text editor)``, so the import log, which keeps the reason and the row, has it too.
    """

    def __init__(self, message: str, path: str | Path | None = None, row: int | None = None,
                 line: int | None = None):
        self.reason = " ".join(str(message).split())
        if line is not None and line != row:
            self.reason += f" (line {line} in a text editor)"
        self.path = None if path is None else str(path)
        self.row = row
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The message as the CLI prints it: ``file, row N: reason``."""
        where = self.path or ""
        if self.row is not None:
            where = f"{where}, row {self.row}" if where else f"row {self.row}"
        return f"{where}: {self.reason}" if where else self.reason
