//! PNG: keeps the chunks that affect how the image looks and drops text,
//! time and EXIF chunks, and anything after `IEND`.

use super::{Rejection, Stripped, truncated};

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Chunks that are kept: critical ones, colour and layout information, and
/// APNG animation.
const KEPT: &[&[u8; 4]] = &[
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
    b"cICP", b"mDCV", b"cLLI", b"bKGD", b"hIST", b"pHYs", b"sPLT", b"acTL", b"fcTL", b"fdAT",
];

pub fn strip(bytes: &[u8]) -> Result<Stripped, Rejection> {
    let mut found = Stripped::default();
    let out = &mut found.bytes;
    out.extend_from_slice(SIGNATURE);
    let mut at = SIGNATURE.len();
    let mut first = true;
    loop {
        let header = bytes.get(at..at + 8).ok_or_else(truncated)?;
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind: &[u8; 4] = header[4..8].try_into().map_err(|_| truncated())?;
        let end = at
            .checked_add(12)
            .and_then(|n| n.checked_add(length))
            .filter(|&end| end <= bytes.len())
            .ok_or_else(truncated)?;
        if first && kind != b"IHDR" {
            return Err(Rejection::Corrupt("PNG does not start with IHDR".into()));
        }
        first = false;

        let data = at + 8..end - 4;
        match kind {
            b"IDAT" | b"fdAT" => found.pixel_data.push(data.clone()),
            b"fcTL" => {
                let side = |offset| {
                    bytes
                        .get(data.start + offset..data.start + offset + 4)
                        .map(|b| u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
                        .ok_or_else(truncated)
                };
                found.frames.push(side(4)? * side(8)?);
            }
            _ => {}
        }
        let critical = kind[0].is_ascii_uppercase();
        if KEPT.contains(&kind) {
            out.extend_from_slice(&bytes[at..end]);
        } else if critical {
            return Err(Rejection::Corrupt(format!(
                "unknown critical chunk {}",
                String::from_utf8_lossy(kind)
            )));
        }
        at = end;
        if kind == b"IEND" {
            return Ok(found);
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0, 0, 0, 0]); // CRC is checked by the decoder, not here
        c
    }

    /// A PNG skeleton with the given chunks between IHDR and IEND.
    pub fn png_with(middle: &[Vec<u8>]) -> Vec<u8> {
        let mut png = SIGNATURE.to_vec();
        png.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        for c in middle {
            png.extend_from_slice(c);
        }
        png.extend(chunk(b"IEND", &[]));
        png
    }

    #[test]
    fn text_exif_and_trailing_data_are_dropped() {
        let idat = chunk(b"IDAT", b"pixels");
        let clean = png_with(std::slice::from_ref(&idat));
        let mut dirty = png_with(&[
            chunk(b"tEXt", b"Comment\0hello"),
            chunk(b"eXIf", b"MM\0*GPS"),
            idat,
            chunk(b"tIME", &[0; 7]),
        ]);
        dirty.extend_from_slice(b"appended after IEND");
        assert_eq!(strip(&dirty).unwrap().bytes, clean);
    }

    #[test]
    fn truncation_and_unknown_critical_chunks_are_refused() {
        let png = png_with(&[chunk(b"IDAT", b"pixels")]);
        assert!(matches!(
            strip(&png[..png.len() - 5]),
            Err(Rejection::Corrupt(_))
        ));
        assert!(strip(&png_with(&[chunk(b"ABCD", b"?")])).is_err());
        let mut no_ihdr = SIGNATURE.to_vec();
        no_ihdr.extend(chunk(b"IEND", &[]));
        assert!(strip(&no_ihdr).is_err());
    }
}
