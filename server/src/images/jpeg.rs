//! JPEG: drops EXIF, XMP, IPTC and comment segments (keeping only the EXIF
//! orientation, so photos stay upright), and anything after the end marker
//! (for example the extra pictures phones append).

use super::{Rejection, Stripped, be_u16, truncated};

const SOI: [u8; 2] = [0xFF, 0xD8];
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP0: u8 = 0xE0;
const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const APP14: u8 = 0xEE;
const COM: u8 = 0xFE;

pub fn strip(bytes: &[u8]) -> Result<Stripped, Rejection> {
    let mut found = Stripped::default();
    let out = &mut found.bytes;
    out.extend_from_slice(&SOI);
    let mut at = SOI.len();
    let mut orientation = None;
    let mut past_app_segments = false;

    loop {
        if *bytes.get(at).ok_or_else(truncated)? != 0xFF {
            return Err(Rejection::Corrupt("expected a JPEG marker".into()));
        }
        while bytes.get(at + 1) == Some(&0xFF) {
            at += 1; // fill bytes
        }
        let marker = *bytes.get(at + 1).ok_or_else(truncated)?;
        if marker == EOI {
            out.extend_from_slice(&[0xFF, EOI]);
            return Ok(found);
        }
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            out.extend_from_slice(&[0xFF, marker]);
            at += 2;
            continue;
        }

        let length = usize::from(be_u16(bytes, at + 2)?);
        if length < 2 {
            return Err(Rejection::Corrupt("bad JPEG segment length".into()));
        }
        let end = at + 2 + length;
        let segment = bytes.get(at..end).ok_or_else(truncated)?;
        let payload = &segment[4..];

        let is_app = (APP0..=0xEF).contains(&marker) || marker == COM;
        if !is_app && !past_app_segments {
            // The orientation goes back in right after the APPn block.
            past_app_segments = true;
            if let Some(o) = orientation.filter(|&o| o != 1) {
                out.extend_from_slice(&orientation_segment(o));
            }
        }
        let keep = match marker {
            APP1 => {
                if let Some(tiff) = payload.strip_prefix(b"Exif\0\0") {
                    orientation = exif_orientation(tiff);
                }
                false
            }
            APP0 | APP14 => true,
            APP2 => payload.starts_with(b"ICC_PROFILE\0"),
            _ => !is_app,
        };
        if keep {
            out.extend_from_slice(segment);
        }
        at = end;

        if marker == SOS {
            let scan_start = at;
            at = end_of_scan(bytes, at)?;
            out.extend_from_slice(&bytes[scan_start..at]);
            found.pixel_data.push(scan_start..at);
        }
    }
}

/// Where the entropy-coded data starting at `at` ends: the next marker that
/// is neither a stuffed `FF 00`, a restart marker nor fill.
fn end_of_scan(bytes: &[u8], mut at: usize) -> Result<usize, Rejection> {
    loop {
        let offset = bytes
            .get(at..)
            .ok_or_else(truncated)?
            .iter()
            .position(|&b| b == 0xFF);
        let ff = at + offset.ok_or_else(truncated)?;
        match *bytes.get(ff + 1).ok_or_else(truncated)? {
            0x00 | 0xD0..=0xD7 => at = ff + 2,
            0xFF => at = ff + 1,
            _ => return Ok(ff),
        }
    }
}

/// The orientation tag (0x0112) of IFD0 in an EXIF TIFF block.
fn exif_orientation(tiff: &[u8]) -> Option<u16> {
    let big_endian = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| {
        let b = tiff.get(at..at + 2)?;
        Some(if big_endian {
            u16::from_be_bytes([b[0], b[1]])
        } else {
            u16::from_le_bytes([b[0], b[1]])
        })
    };
    let u32_at = |at: usize| {
        let b: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        Some(if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ifd = u32_at(4)? as usize;
    let entries = u16_at(ifd)?;
    (0..usize::from(entries)).find_map(|i| {
        let entry = ifd + 2 + i * 12;
        (u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3).then(|| u16_at(entry + 8))?
    })
}

/// An APP1 segment whose EXIF holds nothing but the orientation.
fn orientation_segment(orientation: u16) -> Vec<u8> {
    let mut payload = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
    payload.extend_from_slice(&1u16.to_be_bytes()); // one IFD0 entry
    payload.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1]); // tag, SHORT, count 1
    payload.extend_from_slice(&orientation.to_be_bytes());
    payload.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // value padding, no next IFD
    let mut segment = vec![0xFF, APP1];
    segment.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    segment.extend_from_slice(&payload);
    segment
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(payload);
        s
    }

    /// EXIF (little-endian) with an orientation and a GPS pointer.
    fn exif(orientation: u16) -> Vec<u8> {
        let mut t = b"Exif\0\0II\x2a\0\x08\0\0\0".to_vec();
        t.extend_from_slice(&2u16.to_le_bytes());
        t.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0]);
        t.extend_from_slice(&orientation.to_le_bytes());
        t.extend_from_slice(&[0, 0]);
        t.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0, 0x40, 0, 0, 0]); // GPSInfo
        t.extend_from_slice(&[0, 0, 0, 0]);
        t.extend_from_slice(b"GPS 52.5200 N 13.4050 E");
        t
    }

    fn jpeg(head: &[Vec<u8>]) -> Vec<u8> {
        let mut j = SOI.to_vec();
        for s in head {
            j.extend_from_slice(s);
        }
        j.extend(segment(0xDB, &[0; 65])); // DQT
        j.extend(segment(SOS, &[1, 1, 0, 0, 63, 0]));
        j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]); // stuffing + restart
        j.extend_from_slice(&[0xFF, EOI]);
        j
    }

    #[test]
    fn metadata_goes_and_orientation_stays() {
        let jfif = segment(APP0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        let dirty = jpeg(&[
            jfif.clone(),
            segment(APP1, &exif(6)),
            segment(APP1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>"),
            segment(0xED, b"Photoshop 3.0\0IPTC"),
            segment(COM, b"a comment"),
        ]);
        let mut with_trailer = dirty.clone();
        with_trailer.extend_from_slice(b"second picture");
        let clean = strip(&with_trailer).unwrap().bytes;
        assert_eq!(clean, jpeg(&[jfif, orientation_segment(6)]));
        assert_eq!(exif_orientation(&orientation_segment(6)[10..]), Some(6));
        assert!(!clean.windows(3).any(|w| w == b"GPS"));
    }

    #[test]
    fn upright_photos_get_no_exif_at_all() {
        let clean = strip(&jpeg(&[segment(APP1, &exif(1))])).unwrap().bytes;
        assert_eq!(clean, jpeg(&[]));
    }

    #[test]
    fn truncated_files_are_refused() {
        let whole = jpeg(&[]);
        for cut in [3, 10, whole.len() - 2] {
            assert!(strip(&whole[..cut]).is_err(), "cut at {cut}");
        }
    }
}
