//! Look-alikes of reserved names: `Systеm` with a Cyrillic `е`, fullwidth
//! `ＡＤＭＩＮ`, `r00t`, `nuII`. Names are compared by their confusable
//! skeletons (Unicode TR39) after compatibility normalisation (NFKC, which
//! makes fullwidth letters plain), in every case. Checked on the server only: the browser
//! need not carry the confusables table.

use protocol::names::RESERVED_NAMES;
use unicode_normalization::UnicodeNormalization;
use unicode_security::confusable_detection::skeleton;

/// Whether `name` reads as one of the reserved names.
pub fn looks_reserved(name: &str) -> bool {
    let names = looks(name);
    RESERVED_NAMES
        .iter()
        .any(|reserved| looks(reserved).iter().any(|r| names.contains(r)))
}

/// The one spelling all look-alikes of `name` share, for finding a name
/// among stored ones (staff accounts, sanctions): upper-cased then folded
/// (`nuII` and `null` meet as `NULL`, `B0B` and `BOB` too), then
/// lower-cased and folded again (`rn` and `m` meet).
pub fn name_key(name: &str) -> String {
    let plain: String = name.nfkc().collect();
    let upper: String = skeleton(&plain.to_uppercase()).collect();
    skeleton(&upper.to_lowercase()).collect()
}

/// What a name looks like as typed, in lower case and in upper case (the
/// confusables equate `I` with `l` but not with `i`, so `nuII` matches
/// `null` only as typed, and `ＡＤＭＩＮ` matches `ADMIN` only in capitals).
fn looks(name: &str) -> [String; 3] {
    let plain: String = name.nfkc().collect();
    [
        skeleton(&plain).collect(),
        skeleton(&plain.to_lowercase()).collect(),
        skeleton(&plain.to_uppercase()).collect(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_of_reserved_names_are_caught() {
        for name in [
            "System",
            "Systеm",
            "ＡＤＭＩＮ",
            "ѕystem",
            "r00t",
            "Moderator",
            "nuII",
        ] {
            assert!(looks_reserved(name), "{name}");
        }
        for name in ["Alice", "Systems", "admins", "Zoë", "Łukasz", "rooted"] {
            assert!(!looks_reserved(name), "{name}");
        }
    }

    #[test]
    fn look_alikes_share_one_key() {
        for (a, b) in [
            ("Moderator", "moderator"),
            ("Bob", "B0b"),
            ("null", "nuII"),
            ("Systеm", "system"),
            ("ＡＤＭＩＮ", "admin"),
            ("modern", "modem"),
        ] {
            assert_eq!(name_key(a), name_key(b), "{a} / {b}");
        }
        for (a, b) in [("Alice", "Alicia"), ("Zoë", "Zoe2"), ("bob", "rob")] {
            assert_ne!(name_key(a), name_key(b), "{a} / {b}");
        }
    }
}
