//! Writes one benchmark's section of `BENCHMARKS.md`, keeping the others.

use std::path::Path;

/// Replaces the section between `<!-- name:start -->` and `<!-- name:end -->`
/// (appending it if absent).
pub fn write_section(path: &Path, name: &str, body: &str) -> std::io::Result<()> {
    let start = format!("<!-- {name}:start -->");
    let end = format!("<!-- {name}:end -->");
    let section = format!("{start}\n{body}\n{end}");
    let current = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    let updated = match (current.find(&start), current.find(&end)) {
        (Some(s), Some(e)) if s < e => {
            format!("{}{section}{}", &current[..s], &current[e + end.len()..])
        }
        _ => format!("{}\n\n{section}\n", current.trim_end()),
    };
    std::fs::write(path, updated)
}

/// The machine the figures were measured on.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cores} cores, {cpu}")
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_250_000), "1,250,000");
    }

    #[test]
    fn a_section_is_replaced_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("B.md");
        write_section(&path, "a", "first").unwrap();
        write_section(&path, "b", "other").unwrap();
        write_section(&path, "a", "second").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("second") && text.contains("other") && !text.contains("first"));
        assert!(text.find("second") < text.find("other"), "section moved");
    }
}
