//! WebP: drops the EXIF and XMP chunks (clearing their flags in `VP8X`) and
//! anything past the RIFF container.

use super::{Rejection, Stripped, truncated};

const EXIF_FLAG: u8 = 0x08;
const XMP_FLAG: u8 = 0x04;

pub fn strip(bytes: &[u8]) -> Result<Stripped, Rejection> {
    let declared = u32::from_le_bytes(
        bytes
            .get(4..8)
            .ok_or_else(truncated)?
            .try_into()
            .map_err(|_| truncated())?,
    );
    let riff_end = (declared as usize)
        .checked_add(8)
        .filter(|&end| end <= bytes.len())
        .ok_or_else(truncated)?;

    let mut found = Stripped {
        bytes: b"RIFF\0\0\0\0WEBP".to_vec(),
        ..Stripped::default()
    };
    let out = &mut found.bytes;
    let mut at = 12;
    while at < riff_end {
        let header = bytes.get(at..at + 8).ok_or_else(truncated)?;
        let kind = &header[..4];
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let padded = size + (size & 1);
        let end = at
            .checked_add(8 + padded)
            .filter(|&end| end <= riff_end)
            .ok_or_else(truncated)?;
        let data = at + 8..at + 8 + size;
        match kind {
            b"VP8 " | b"VP8L" | b"ALPH" => found.pixel_data.push(data.clone()),
            b"ANMF" => {
                // X, Y, then width − 1 and height − 1 in 24 bits each.
                let side = |offset: usize| {
                    bytes
                        .get(data.start + offset..data.start + offset + 3)
                        .map(|b| 1 + u64::from(u32::from_le_bytes([b[0], b[1], b[2], 0])))
                        .ok_or_else(truncated)
                };
                found.frames.push(side(6)? * side(9)?);
                found.pixel_data.push(data.start + 16..data.end);
            }
            _ => {}
        }
        match kind {
            b"EXIF" | b"XMP " => {}
            b"VP8X" => {
                let start = out.len();
                out.extend_from_slice(&bytes[at..end]);
                if let Some(flags) = out.get_mut(start + 8) {
                    *flags &= !(EXIF_FLAG | XMP_FLAG);
                }
            }
            _ => out.extend_from_slice(&bytes[at..end]),
        }
        at = end;
    }
    let riff_size = u32::try_from(out.len() - 8).map_err(|_| truncated())?;
    out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = kind.to_vec();
        c.extend_from_slice(&(data.len() as u32).to_le_bytes());
        c.extend_from_slice(data);
        if data.len() % 2 == 1 {
            c.push(0);
        }
        c
    }

    fn webp(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        let mut w = b"RIFF".to_vec();
        w.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
        w.extend_from_slice(b"WEBP");
        w.extend(body);
        w
    }

    #[test]
    fn exif_and_xmp_go_and_their_flags_are_cleared() {
        let vp8x = |flags: u8| chunk(b"VP8X", &[flags, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let image = chunk(b"VP8L", b"\x2f\0\0\0pixels");
        let mut dirty = webp(&[
            vp8x(0x10 | EXIF_FLAG | XMP_FLAG),
            image.clone(),
            chunk(b"EXIF", b"GPS"),
            chunk(b"XMP ", b"<x/>"),
        ]);
        dirty.extend_from_slice(b"trailing");
        assert_eq!(strip(&dirty).unwrap().bytes, webp(&[vp8x(0x10), image]));
    }

    #[test]
    fn truncated_webps_are_refused() {
        let whole = webp(&[chunk(b"VP8L", b"\x2f\0\0\0pixels")]);
        assert!(strip(&whole[..whole.len() - 3]).is_err());
        assert!(strip(&whole[..10]).is_err());
    }
}
