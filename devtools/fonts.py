"""Where a CJK font lives on this machine (for the service record's PDF)."""

from __future__ import annotations

from pathlib import Path

# Debian's fonts-noto-cjk first, then other distributions', macOS's and Windows' fonts
CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
)


def find_cjk_font() -> str | None:
    for candidate in CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return None
