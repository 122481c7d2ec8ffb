"""Bad inputs users really write, reused by every command's tests (validate, plan, url, demo)."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).parent
HEADER = re.compile(r"^# (case|file|location|expect|make): ?(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class BadTenantCase:
    """One bad tenant file and the one-line error it must give."""

    path: Path
    case: str
    file: str
    location: str
    expect: str
    make: str = ""
    """How the file is installed when it is not a copy: `fifo` (a named pipe), or
    `symlink:<target>` (a link to `<target>`, e.g. /dev/zero)."""

    def install(self, directory: Path) -> Path:
        """Put the case into `directory` under the file name it is meant to have."""
        target = directory / self.file
        if self.make == "fifo":
            os.mkfifo(target)
        elif self.make.startswith("symlink:"):
            target.symlink_to(self.make.removeprefix("symlink:"))
        elif self.make:
            raise ValueError(f"{self.path}: unknown '# make: {self.make}'")
        else:
            shutil.copyfile(self.path, target)
        return target


def bad_tenant_cases() -> list[BadTenantCase]:
    cases = []
    for path in sorted((CORPUS / "bad_tenants").glob("*.yaml")):
        fields = dict(HEADER.findall(path.read_text()))
        cases.append(BadTenantCase(path=path, **fields))
    return cases


def bad_tenant_sets() -> list[Path]:
    """Directories whose files are each valid but clash as a set (expect.txt lists errors)."""
    return sorted(p for p in (CORPUS / "bad_tenant_sets").iterdir() if p.is_dir())
