//! Uploaded images: decided by their bytes, bounded before decoding, checked
//! by a full decode, and stripped of metadata (EXIF GPS and the like) without
//! re-encoding.

mod gif;
mod jpeg;
mod markup;
mod png;
mod store;
mod webp;

pub use store::{IMAGE_DIR, is_stored_name, save};

use image::ImageReader;
use std::io::Cursor;

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

/// Size bounds checked from the header, before any pixel is decoded.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub max_side: u32,
    pub max_pixels: u64,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            max_side: 16_384,
            max_pixels: 40_000_000,
        }
    }
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
}

/// An image ready to store.
#[derive(Debug)]
pub struct Cleaned {
    pub format: Format,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Checks an upload and returns it without metadata. CPU-bound (it decodes
/// the whole image): call it off the async runtime.
pub fn inspect(bytes: &[u8], bounds: Bounds) -> Result<Cleaned, Rejection> {
    let format = Format::sniff(bytes).ok_or(Rejection::NotAnImage)?;
    if markup::contains_markup(bytes) {
        return Err(Rejection::Markup);
    }
    let stripped = match format {
        Format::Png => png::strip(bytes)?,
        Format::Jpeg => jpeg::strip(bytes)?,
        Format::Gif => gif::strip(bytes)?,
        Format::Webp => webp::strip(bytes)?,
    };

    let reader = ImageReader::with_format(Cursor::new(&stripped), format.decoder_format());
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| Rejection::Corrupt(e.to_string()))?;
    if width > bounds.max_side
        || height > bounds.max_side
        || u64::from(width) * u64::from(height) > bounds.max_pixels
    {
        return Err(Rejection::TooManyPixels {
            width,
            height,
            max_side: bounds.max_side,
            max_pixels: bounds.max_pixels,
        });
    }

    // A full decode, within the same bounds, proves the pixel data is whole.
    let mut reader = ImageReader::with_format(Cursor::new(&stripped), format.decoder_format());
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(bounds.max_side);
    limits.max_image_height = Some(bounds.max_side);
    limits.max_alloc = Some(bounds.max_pixels * 8);
    reader.limits(limits);
    reader
        .decode()
        .map_err(|e| Rejection::Corrupt(e.to_string()))?;

    Ok(Cleaned {
        format,
        bytes: stripped,
        width,
        height,
    })
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
