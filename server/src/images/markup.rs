//! Polyglot files: an image that is also a web page (markup hidden in a
//! metadata chunk or after the image) is refused outright, whatever
//! content type it would be served with.

/// Openings of markup that browsers would run or render. Compressed pixel
/// data matches one of these by chance with negligible probability.
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

/// Whether `bytes` contains any of the signatures, ignoring ASCII case.
pub fn contains_markup(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(i, first)| {
        matches!(first, b'<' | b'j' | b'J')
            && SIGNATURES.iter().any(|sig| {
                bytes
                    .get(i..i + sig.len())
                    .is_some_and(|candidate| candidate.eq_ignore_ascii_case(sig))
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_markup_in_any_case_anywhere() {
        assert!(contains_markup(b"\x89PNG....<ScRiPt>alert(1)</script>"));
        assert!(contains_markup(b"GIF89a<!DOCTYPE HTML><p>"));
        assert!(contains_markup(b"<svg xmlns=..."));
        assert!(!contains_markup(
            b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF>"
        ));
        assert!(!contains_markup(b"plain bytes < script"));
    }
}
