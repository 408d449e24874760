//! GIF: drops comment blocks and application blocks other than the looping
//! ones (XMP hides there), and anything after the trailer.

use super::{Rejection, Stripped, truncated};

const TRAILER: u8 = 0x3B;
const EXTENSION: u8 = 0x21;
const IMAGE: u8 = 0x2C;
const COMMENT: u8 = 0xFE;
const APPLICATION: u8 = 0xFF;

pub fn strip(bytes: &[u8]) -> Result<Stripped, Rejection> {
    // Header (6) and logical screen descriptor (7), then the global colour table.
    let flags = *bytes.get(10).ok_or_else(truncated)?;
    let mut at = 13 + color_table_len(flags);
    let mut found = Stripped {
        bytes: bytes.get(..at).ok_or_else(truncated)?.to_vec(),
        ..Stripped::default()
    };
    let out = &mut found.bytes;

    loop {
        match *bytes.get(at).ok_or_else(truncated)? {
            TRAILER => {
                out.push(TRAILER);
                return Ok(found);
            }
            EXTENSION => {
                let label = *bytes.get(at + 1).ok_or_else(truncated)?;
                let end = skip_sub_blocks(bytes, at + 2)?;
                let keep = match label {
                    COMMENT => false,
                    APPLICATION => {
                        let id = bytes.get(at + 3..at + 14).ok_or_else(truncated)?;
                        id == b"NETSCAPE2.0" || id == b"ANIMEXTS1.0"
                    }
                    _ => true,
                };
                if keep {
                    out.extend_from_slice(&bytes[at..end]);
                }
                at = end;
            }
            IMAGE => {
                // Descriptor (10), local colour table, LZW code size, data.
                let flags = *bytes.get(at + 9).ok_or_else(truncated)?;
                let side = |offset: usize| {
                    bytes
                        .get(at + offset..at + offset + 2)
                        .map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])))
                        .ok_or_else(truncated)
                };
                found.frames.push(side(5)? * side(7)?);
                let data = at + 10 + color_table_len(flags) + 1;
                let end = skip_sub_blocks(bytes, data)?;
                out.extend_from_slice(&bytes[at..end]);
                found.pixel_data.push(data..end);
                at = end;
            }
            other => {
                return Err(Rejection::Corrupt(format!(
                    "unknown GIF block {other:#04x}"
                )));
            }
        }
    }
}

fn color_table_len(flags: u8) -> usize {
    if flags & 0x80 == 0 {
        0
    } else {
        3 << ((flags & 0x07) + 1)
    }
}

/// The index just past a run of sub-blocks (length-prefixed, ending with 0).
fn skip_sub_blocks(bytes: &[u8], mut at: usize) -> Result<usize, Rejection> {
    loop {
        let len = usize::from(*bytes.get(at).ok_or_else(truncated)?);
        at += 1 + len;
        if len == 0 {
            return Ok(at);
        }
        if at > bytes.len() {
            return Err(truncated());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 GIF with an optional extra block before the image.
    fn gif(extra: &[u8]) -> Vec<u8> {
        let mut g = b"GIF89a\x01\x00\x01\x00\x80\x00\x00".to_vec();
        g.extend_from_slice(&[0, 0, 0, 255, 255, 255]); // 2-colour global table
        g.extend_from_slice(extra);
        g.extend_from_slice(&[IMAGE, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4C, 0x01, 0]);
        g.push(TRAILER);
        g
    }

    #[test]
    fn comments_and_xmp_go_looping_stays() {
        let looping = [
            EXTENSION,
            APPLICATION,
            11,
            b'N',
            b'E',
            b'T',
            b'S',
            b'C',
            b'A',
            b'P',
            b'E',
            b'2',
            b'.',
            b'0',
            3,
            1,
            0,
            0,
            0,
        ];
        let mut dirty_extra = looping.to_vec();
        dirty_extra.extend_from_slice(&[EXTENSION, COMMENT, 5, b'h', b'e', b'l', b'l', b'o', 0]);
        dirty_extra.extend_from_slice(&[EXTENSION, APPLICATION, 11]);
        dirty_extra.extend_from_slice(b"XMP DataXMP");
        dirty_extra.extend_from_slice(&[3, b'<', b'x', b'>', 0]);
        let mut dirty = gif(&dirty_extra);
        dirty.extend_from_slice(b"after the trailer");
        assert_eq!(strip(&dirty).unwrap().bytes, gif(&looping));
    }

    #[test]
    fn truncated_gifs_are_refused() {
        let whole = gif(&[]);
        for cut in [8, 20, whole.len() - 1] {
            assert!(strip(&whole[..cut]).is_err(), "cut at {cut}");
        }
    }
}
