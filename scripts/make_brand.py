"""Draw HomeSentry's brand images (run once; the PNGs are committed).

A shield (a sentry) holding a house with a heartbeat line: the home server,
watched. Sizes follow Home Assistant's brands rules: icons square 256/512,
logos with the shortest side 128/256; dark_ variants for dark themes.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND = Path(__file__).resolve().parent.parent / "custom_components" / "homesentry" / "brand"
BLUE = (3, 105, 161, 255)
LIGHT = (56, 189, 248, 255)
WHITE = (255, 255, 255, 255)
INK = (15, 23, 42, 255)


def icon(size: int, shield: tuple[int, int, int, int]) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    s = size / 256
    draw.polygon(
        [
            (128 * s, 8 * s),
            (232 * s, 44 * s),
            (224 * s, 148 * s),
            (128 * s, 248 * s),
            (32 * s, 148 * s),
            (24 * s, 44 * s),
        ],
        fill=shield,
    )
    width = max(2, round(12 * s))
    draw.line([(72 * s, 124 * s), (128 * s, 76 * s), (184 * s, 124 * s)], fill=WHITE, width=width, joint="curve")
    draw.line([(84 * s, 116 * s), (84 * s, 186 * s), (172 * s, 186 * s), (172 * s, 116 * s)], fill=WHITE, width=width)
    draw.line(
        [
            (92 * s, 150 * s),
            (112 * s, 150 * s),
            (122 * s, 126 * s),
            (136 * s, 170 * s),
            (146 * s, 150 * s),
            (164 * s, 150 * s),
        ],
        fill=WHITE,
        width=max(2, round(9 * s)),
        joint="curve",
    )
    return image


def logo(height: int, shield: tuple[int, int, int, int], text: tuple[int, int, int, int]) -> Image.Image:
    width = round(height * 4.4)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.alpha_composite(icon(height, shield), (0, 0))
    font_path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    font = (
        ImageFont.truetype(str(font_path), round(height * 0.42))
        if font_path.exists()
        else ImageFont.load_default(round(height * 0.42))
    )
    ImageDraw.Draw(image).text((height * 1.1, height / 2), "HomeSentry", font=font, fill=text, anchor="lm")
    return image


def main() -> None:
    BRAND.mkdir(parents=True, exist_ok=True)
    icon(256, BLUE).save(BRAND / "icon.png")
    icon(512, BLUE).save(BRAND / "icon@2x.png")
    icon(256, LIGHT).save(BRAND / "dark_icon.png")
    icon(512, LIGHT).save(BRAND / "dark_icon@2x.png")
    logo(128, BLUE, INK).save(BRAND / "logo.png")
    logo(256, BLUE, INK).save(BRAND / "logo@2x.png")
    logo(128, LIGHT, WHITE).save(BRAND / "dark_logo.png")
    logo(256, LIGHT, WHITE).save(BRAND / "dark_logo@2x.png")


if __name__ == "__main__":
    main()
