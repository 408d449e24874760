//! Uploaded images: decided by their bytes, bounded before decoding, checked
//! by a full decode, and stripped of metadata (EXIF GPS and the like) without
//! re-encoding.

mod budget;
mod gif;
mod jpeg;
mod markup;
mod png;
mod store;
mod webp;

pub use budget::{Busy, DecodeBudget};
pub use store::{IMAGE_DIR, Shelf, is_stored_name, remove_stored, save};

use image::ImageReader;
use std::io::Cursor;
use std::ops::Range;

/// The formats people may share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl Format {
    /// Decides the format from the first bytes (the image crate's magic
    /// numbers); `None` for anything but the four allowed formats.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        match image::guess_format(bytes).ok()? {
            image::ImageFormat::Png => Some(Format::Png),
            image::ImageFormat::Jpeg => Some(Format::Jpeg),
            image::ImageFormat::Gif => Some(Format::Gif),
            image::ImageFormat::WebP => Some(Format::Webp),
            _ => None,
        }
    }

    /// The stored file's extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::Gif => "gif",
            Format::Webp => "webp",
        }
    }

    fn decoder_format(self) -> image::ImageFormat {
        match self {
            Format::Png => image::ImageFormat::Png,
            Format::Jpeg => image::ImageFormat::Jpeg,
            Format::Gif => image::ImageFormat::Gif,
            Format::Webp => image::ImageFormat::WebP,
        }
    }
}

/// The most pixels one image may have.
pub const MAX_PIXELS: u64 = 40_000_000;

/// Size bounds checked from the headers, before any pixel is decoded.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub max_side: u32,
    pub max_pixels: u64,
    /// Frames of an animation (GIF, APNG, WebP).
    pub max_frames: usize,
    /// Pixels over all frames of an animation: what a viewer decodes to
    /// play it once.
    pub max_frame_pixels: u64,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            max_side: 16_384,
            max_pixels: MAX_PIXELS,
            max_frames: 2_000,
            max_frame_pixels: 200_000_000,
        }
    }
}

/// A format parser's result: the file without metadata, and what the
/// checks need to know about its layout.
#[derive(Debug, Default)]
pub struct Stripped {
    pub bytes: Vec<u8>,
    /// Where the upload holds compressed pixel data: bytes no browser reads
    /// as text, which the markup scan skips (they match by chance).
    pub pixel_data: Vec<Range<usize>>,
    /// Width × height of each animation frame, as declared.
    pub frames: Vec<u64>,
}

/// Why an upload is not accepted as an image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("not a PNG, JPEG, GIF or WebP image")]
    NotAnImage,
    #[error("the file carries markup (HTML, SVG or script) besides the image")]
    Markup,
    #[error("the image is truncated or corrupt ({0})")]
    Corrupt(String),
    #[error(
        "the image is {width}×{height} pixels; at most {max_side} per side and {max_pixels} in all are accepted"
    )]
    TooManyPixels {
        width: u32,
        height: u32,
        max_side: u32,
        max_pixels: u64,
    },
    #[error(
        "the animation has {frames} frames of {pixels} pixels in all; at most {max_frames} frames and {max_pixels} pixels are accepted"
    )]
    TooManyFrames {
        frames: usize,
        pixels: u64,
        max_frames: usize,
        max_pixels: u64,
    },
}

/// An image ready to store.
#[derive(Debug)]
pub struct Cleaned {
    pub format: Format,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// An upload whose headers passed: its format, dimensions and bytes
/// without metadata. Its pixels are not decoded yet.
#[derive(Debug)]
pub struct Probed {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    bytes: Vec<u8>,
}

impl Probed {
    /// Pixels a full decode holds in memory at once.
    pub fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// Checks an upload's format, markup and dimensions from its headers, and
/// strips its metadata, without decoding pixels.
pub fn probe(bytes: &[u8], bounds: Bounds) -> Result<Probed, Rejection> {
    let format = Format::sniff(bytes).ok_or(Rejection::NotAnImage)?;
    let stripped = match format {
        Format::Png => png::strip(bytes)?,
        Format::Jpeg => jpeg::strip(bytes)?,
        Format::Gif => gif::strip(bytes)?,
        Format::Webp => webp::strip(bytes)?,
    };
    if markup::contains_markup(bytes, &stripped.pixel_data) {
        return Err(Rejection::Markup);
    }
    let frame_pixels = stripped.frames.iter().sum::<u64>();
    if stripped.frames.len() > bounds.max_frames || frame_pixels > bounds.max_frame_pixels {
        return Err(Rejection::TooManyFrames {
            frames: stripped.frames.len(),
            pixels: frame_pixels,
            max_frames: bounds.max_frames,
            max_pixels: bounds.max_frame_pixels,
        });
    }

    let reader = ImageReader::with_format(Cursor::new(&stripped.bytes), format.decoder_format());
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| Rejection::Corrupt(e.to_string()))?;
    let too_large = width > bounds.max_side
        || height > bounds.max_side
        || u64::from(width) * u64::from(height) > bounds.max_pixels
        || stripped
            .frames
            .iter()
            .any(|&frame| frame > bounds.max_pixels);
    if too_large {
        return Err(Rejection::TooManyPixels {
            width,
            height,
            max_side: bounds.max_side,
            max_pixels: bounds.max_pixels,
        });
    }
    Ok(Probed {
        format,
        width,
        height,
        bytes: stripped.bytes,
    })
}

/// Decodes the (first frame's) pixels in full, which proves the data is
/// whole, and returns the image ready to store. CPU-bound and holding
/// [`Probed::pixels`] in memory: run it off the async runtime, within a
/// [`DecodeBudget`].
pub fn verify(probed: Probed, bounds: Bounds) -> Result<Cleaned, Rejection> {
    let mut reader =
        ImageReader::with_format(Cursor::new(&probed.bytes), probed.format.decoder_format());
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(bounds.max_side);
    limits.max_image_height = Some(bounds.max_side);
    limits.max_alloc = Some(bounds.max_pixels * 8);
    reader.limits(limits);
    reader
        .decode()
        .map_err(|e| Rejection::Corrupt(e.to_string()))?;
    Ok(Cleaned {
        format: probed.format,
        bytes: probed.bytes,
        width: probed.width,
        height: probed.height,
    })
}

/// Both steps at once, without a budget.
#[cfg(test)]
pub fn inspect(bytes: &[u8], bounds: Bounds) -> Result<Cleaned, Rejection> {
    verify(probe(bytes, bounds)?, bounds)
}

/// Reads a big-endian `u16` at `at`, or reports truncation.
fn be_u16(bytes: &[u8], at: usize) -> Result<u16, Rejection> {
    bytes
        .get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(|| Rejection::Corrupt("unexpected end of file".into()))
}

fn truncated() -> Rejection {
    Rejection::Corrupt("unexpected end of file".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{DynamicImage, ImageFormat, RgbImage};

    /// A small xorshift generator: reproducible mutations without a
    /// dependency.
    struct Noise(u64);

    impl Noise {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn encoded(format: ImageFormat, noise: &mut Noise) -> Vec<u8> {
        let pixels = RgbImage::from_fn(48, 32, |_, _| {
            let v = noise.next().to_le_bytes();
            image::Rgb([v[0], v[1], v[2]])
        });
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(pixels)
            .write_to(&mut out, format)
            .unwrap();
        out.into_inner()
    }

    /// Untrusted bytes never panic the inspector, and whatever it accepts
    /// it accepts again unchanged: flipped bytes, cut files and spliced
    /// garbage in every format.
    #[test]
    fn mutated_images_are_refused_or_cleaned_never_a_panic() {
        let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
        let bounds = Bounds::default();
        for format in [
            ImageFormat::Png,
            ImageFormat::Jpeg,
            ImageFormat::Gif,
            ImageFormat::WebP,
        ] {
            let original = encoded(format, &mut noise);
            assert!(inspect(&original, bounds).is_ok(), "{format:?}");
            for _ in 0..400 {
                let mut bytes = original.clone();
                match noise.below(3) {
                    0 => {
                        for _ in 0..=noise.below(8) {
                            let at = noise.below(bytes.len());
                            bytes[at] = noise.next() as u8;
                        }
                    }
                    1 => bytes.truncate(noise.below(bytes.len())),
                    _ => {
                        let at = noise.below(bytes.len());
                        let junk: Vec<u8> =
                            (0..noise.below(64)).map(|_| noise.next() as u8).collect();
                        bytes.splice(at..at, junk);
                    }
                }
                if let Ok(cleaned) = inspect(&bytes, bounds) {
                    let again =
                        inspect(&cleaned.bytes, bounds).expect("a cleaned image passes again");
                    assert_eq!(again.bytes, cleaned.bytes, "{format:?}: cleaning is stable");
                }
            }
        }
    }
}
