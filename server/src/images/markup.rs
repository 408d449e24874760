//! Polyglot files: an image that is also a web page (markup hidden in a
//! metadata chunk or after the image) is refused outright, whatever
//! content type it would be served with.
//!
//! Only where markup can live is searched: compressed pixel data is
//! arbitrary bytes that no browser reads as text, and searching it refused
//! about one ordinary photo in a hundred by chance.

use std::ops::Range;

/// Openings of markup that browsers would run or render.
const SIGNATURES: &[&[u8]] = &[
    b"<script",
    b"<html",
    b"<body",
    b"<iframe",
    b"<svg",
    b"<object",
    b"<embed",
    b"<!doctype html",
    b"javascript:",
];

/// Whether `bytes` contains any of the signatures, ignoring ASCII case,
/// starting outside the `skipped` ranges (sorted, not overlapping).
pub fn contains_markup(bytes: &[u8], skipped: &[Range<usize>]) -> bool {
    let mut skipped = skipped.iter().peekable();
    let mut i = 0;
    while i < bytes.len() {
        while skipped.next_if(|range| range.end <= i).is_some() {}
        if let Some(range) = skipped.peek()
            && range.contains(&i)
        {
            i = range.end;
            continue;
        }
        let starts_markup = matches!(bytes[i], b'<' | b'j' | b'J')
            && SIGNATURES.iter().any(|sig| {
                bytes
                    .get(i..i + sig.len())
                    .is_some_and(|candidate| candidate.eq_ignore_ascii_case(sig))
            });
        if starts_markup {
            return true;
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_markup_in_any_case_anywhere_it_can_live() {
        assert!(contains_markup(
            b"\x89PNG....<ScRiPt>alert(1)</script>",
            &[]
        ));
        assert!(contains_markup(b"GIF89a<!DOCTYPE HTML><p>", &[]));
        assert!(contains_markup(b"<svg xmlns=...", &[]));
        assert!(!contains_markup(
            b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF>",
            &[]
        ));
        assert!(!contains_markup(b"plain bytes < script", &[]));
    }

    #[test]
    fn pixel_data_is_not_searched() {
        let bytes = b"head<svg pixels<svg tail";
        assert!(!contains_markup(bytes, &[0..15, 15..20]));
        assert!(contains_markup(bytes, std::slice::from_ref(&(0..4))));
        // Markup that starts in a searched part is found even if it runs on.
        assert!(contains_markup(b"ab<svg", std::slice::from_ref(&(3..6))));
    }
}
