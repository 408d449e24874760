//! Moments (RFC 3339, as the server sends them) written for people.

/// `"2026-12-01T10:30:00.000Z"` as `"2026-12-01 10:30 UTC"`.
pub fn utc_to_the_minute(iso: &str) -> String {
    match iso.get(..16) {
        Some(minutes) => format!("{} UTC", minutes.replacen('T', " ", 1)),
        None => iso.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn moments_read_to_the_minute_in_utc() {
        assert_eq!(
            super::utc_to_the_minute("2026-12-01T10:30:59.999Z"),
            "2026-12-01 10:30 UTC"
        );
        assert_eq!(super::utc_to_the_minute("soon"), "soon");
    }
}
